import type pg from 'pg';

/**
 * Fills an empty database with realistic mixed data of roughly `targetMegabytes` (as
 * pg_database_size counts it): customers with jsonb profiles, orders with an enum status and
 * numeric totals, order items, an event log with jsonb payloads, and documents with long TOASTed
 * text and incompressible bytea. Used by the drill and the benchmark; generated server-side
 * (INSERT ... SELECT generate_series) so a gigabyte takes about a minute on 2 cores.
 */
export async function generateSampleDatabase(client: pg.Client, targetMegabytes: number): Promise<void> {
  // Rows per megabyte, measured: 1 unit of `scale` is about 1 MB including indexes.
  const scale = Math.max(1, Math.round(targetMegabytes * 1.17));
  const customers = 260 * scale;
  const orders = 1000 * scale;
  const items = 2000 * scale;
  const events = 600 * scale;
  const documents = 40 * scale;
  await client.query(`
    CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded');
    CREATE TABLE customers (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      name text NOT NULL,
      email text NOT NULL,
      country char(2) NOT NULL,
      created_at timestamptz NOT NULL,
      profile jsonb NOT NULL
    );
    CREATE TABLE orders (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      customer_id bigint NOT NULL REFERENCES customers (id),
      status order_status NOT NULL,
      total numeric(12, 2) NOT NULL,
      placed_at timestamptz NOT NULL,
      notes text
    );
    CREATE TABLE order_items (
      order_id bigint NOT NULL REFERENCES orders (id),
      line smallint NOT NULL,
      sku text NOT NULL,
      quantity integer NOT NULL,
      unit_price numeric(10, 2) NOT NULL,
      PRIMARY KEY (order_id, line)
    );
    CREATE TABLE events (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      occurred_at timestamptz NOT NULL,
      kind text NOT NULL,
      payload jsonb NOT NULL
    );
    CREATE TABLE documents (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      title text NOT NULL,
      body text NOT NULL,
      thumbnail bytea NOT NULL
    );
  `);
  await client.query(
    `INSERT INTO customers (name, email, country, created_at, profile)
     SELECT initcap(w[1 + g % 20]) || ' ' || initcap(w[1 + (g * 7) % 20]) || ' ' || g,
            'user' || g || '@' || w[1 + (g * 3) % 20] || '.example',
            (ARRAY['DE','FR','NL','US','GB','PL','ES','IT','SE','JP'])[1 + g % 10],
            now() - (g % 2000) * interval '1 day' - random() * interval '1 day',
            jsonb_build_object('tier', (ARRAY['free','pro','enterprise'])[1 + g % 3], 'newsletter', g % 4 = 0,
                               'address', jsonb_build_object('street', w[1 + g % 20] || ' street ' || g % 300, 'zip', lpad((g % 99999)::text, 5, '0')),
                               'tags', jsonb_build_array(w[1 + g % 20], w[1 + (g * 11) % 20]), 'score', round(random() * 1000))
     FROM generate_series(1::bigint, $1) g,
          (SELECT ARRAY['amber','birch','cedar','delta','ember','fjord','grove','harbor','iris','juniper','kestrel','lumen','maple','north','onyx','pine','quartz','river','sage','tundra'] AS w) words`,
    [customers],
  );
  await client.query(
    `INSERT INTO orders (customer_id, status, total, placed_at, notes)
     SELECT 1 + (g * 7919) % $2, (enum_range(NULL::order_status))[1 + g % 6], round((random() * 900 + 5)::numeric, 2),
            now() - (g % 1500) * interval '1 day' - random() * interval '1 day',
            CASE WHEN g % 5 = 0 THEN 'gift wrap, deliver after ' || (g % 12 + 8) || ':00, ref ' || md5(g::text) END
     FROM generate_series(1::bigint, $1) g`,
    [orders, customers],
  );
  await client.query(
    `INSERT INTO order_items (order_id, line, sku, quantity, unit_price)
     SELECT 1 + (g - 1) / 2, 1 + (g - 1) % 2, 'SKU-' || lpad(((g * 31) % 50000)::text, 6, '0'), 1 + g % 5, round((random() * 200 + 1)::numeric, 2)
     FROM generate_series(1::bigint, $1) g`,
    [Math.min(items, orders * 2)],
  );
  await client.query(
    `INSERT INTO events (occurred_at, kind, payload)
     SELECT now() - g * interval '7 seconds', (ARRAY['login','view','search','cart','checkout','logout'])[1 + g % 6],
            jsonb_build_object('session', md5(g::text), 'ip', '10.' || g % 255 || '.' || (g / 255) % 255 || '.' || g % 7,
                               'agent', 'Mozilla/5.0 (X11; Linux x86_64) build ' || g % 97, 'latency_ms', round(random() * 400),
                               'path', '/products/' || (g * 13) % 5000 || '?ref=' || md5((g * 3)::text))
     FROM generate_series(1::bigint, $1) g`,
    [events],
  );
  await client.query(
    `INSERT INTO documents (title, body, thumbnail)
     SELECT 'Report ' || g,
            (SELECT string_agg(md5((g * 100 + i)::text) || ' quarterly figures for region ' || (g + i) % 17 || ' show steady growth.', ' ') FROM generate_series(1, 60) i),
            (SELECT string_agg(decode(md5((g * 1000 + i)::text || random()::text), 'hex'), ''::bytea) FROM generate_series(1, 128) i)
     FROM generate_series(1::bigint, $1) g`,
    [documents],
  );
  await client.query('CREATE INDEX orders_customer ON orders (customer_id); CREATE INDEX events_time ON events (occurred_at); ANALYZE');
}
