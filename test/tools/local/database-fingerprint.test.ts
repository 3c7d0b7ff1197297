import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintDatabase } from '../../../tools/local/database-fingerprint.js';
import { createDatabase, postgresUrl, sql } from '../../support/services.js';

const fixture = readFileSync(join(import.meta.dirname, '../../fixtures/tricky-database.sql'), 'utf8');

describe('fingerprintDatabase', () => {
  it('sees every table, sequence and large object of the tricky fixture', async () => {
    // GIVEN the fixture loaded into a fresh database
    const database = await createDatabase('fingerprint');
    await sql(database, fixture);

    // WHEN we fingerprint it
    const fingerprint = await fingerprintDatabase(postgresUrl(database));

    // THEN every relation is there with its exact row count
    expect(fingerprint.tables['sales.customers'].rows).toBe(2000);
    expect(fingerprint.tables['sales.orders'].rows).toBe(5000);
    expect(fingerprint.tables['audit.events_2025'].rows + fingerprint.tables['audit.events_2026'].rows).toBe(3000);
    expect(fingerprint.tables['Inventory Ünïcode.Measurements'].rows).toBe(5);
    expect(fingerprint.tables['audit.log_without_key'].rows).toBe(150);
    expect(fingerprint.tables['audit.empty_table']).toEqual({ rows: 0, hash: 'empty' });
    expect(fingerprint.tables['sales.customer_stats'].rows).toBe(2000);
    expect(fingerprint.sequences['audit.ticket_number']).toBe('1014/true');
    expect(fingerprint.largeObjects).toHaveLength(1);
    expect(fingerprint.schema).toContain('CREATE POLICY hide_cancelled');
  });

  it('changes when one value in one row changes', async () => {
    const database = await createDatabase('fingerprint_change');
    await sql(database, fixture);
    const before = await fingerprintDatabase(postgresUrl(database));

    await sql(database, `UPDATE "Inventory Ünïcode".blobs SET doc = doc || '.' WHERE id = 7`);
    const after = await fingerprintDatabase(postgresUrl(database));

    expect(after.tables['Inventory Ünïcode.blobs'].rows).toBe(before.tables['Inventory Ünïcode.blobs'].rows);
    expect(after.tables['Inventory Ünïcode.blobs'].hash).not.toBe(before.tables['Inventory Ünïcode.blobs'].hash);
    expect({ ...after.tables, 'Inventory Ünïcode.blobs': null }).toEqual({ ...before.tables, 'Inventory Ünïcode.blobs': null });
  });
});
