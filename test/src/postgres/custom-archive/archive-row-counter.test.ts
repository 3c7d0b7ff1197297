import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TableRowCount } from '../../../../src/contract/manifest.js';
import { postgresBinary } from '../../../../src/postgres/binaries.js';
import { ArchiveRowCounter } from '../../../../src/postgres/custom-archive/archive-row-counter.js';
import { createOwnedDatabase, createOwnerRole, loadTrickyFixture } from '../../../support/owner-database.js';
import { countRowsByQuery } from '../../../support/query-counts.js';
import { createDatabase, postgresUrl, sql } from '../../../support/services.js';

const edgeCases = readFileSync(join(import.meta.dirname, '../../../fixtures/row-count-edge-cases.sql'), 'utf8');

/** What pg_dump writes for `database`, as the dump does it (custom format, uncompressed) unless told otherwise. */
async function pgDump(database: string, args: readonly string[] = ['--format=custom', '--compress=0']): Promise<Buffer> {
  const { stdout } = await execa(postgresBinary('pg_dump'), [...args, '--dbname', postgresUrl(database)], { encoding: 'buffer' });
  return Buffer.from(stdout);
}

/** The archive fed to a counter in pieces of `pieceBytes` (or of random sizes up to 200 kB). */
function countInPieces(archive: Buffer, pieceBytes: number | 'random'): TableRowCount[] {
  const counter = new ArchiveRowCounter();
  let random = 1;
  for (let at = 0; at < archive.length; ) {
    random = (random * 48271) % 2147483647;
    const size = pieceBytes === 'random' ? 1 + (random % 200_000) : pieceBytes;
    counter.write(archive.subarray(at, at + size));
    at += size;
  }
  return counter.finish();
}

describe('ArchiveRowCounter on real pg_dump output', () => {
  let tricky: { database: string; archive: Buffer };
  let edge: { database: string; archive: Buffer };

  beforeAll(async () => {
    const owner = await createOwnerRole();
    const trickyDatabase = await createOwnedDatabase(owner, 'tricky');
    await loadTrickyFixture(owner, trickyDatabase);
    const edgeDatabase = await createDatabase('edge');
    await sql(edgeDatabase, edgeCases);
    tricky = { database: trickyDatabase, archive: await pgDump(trickyDatabase) };
    edge = { database: edgeDatabase, archive: await pgDump(edgeDatabase) };
  });

  it('counts every table of the tricky fixture exactly as count(*) does: partitions, empty, RLS, bytea; no large objects, no materialized view', async () => {
    const fromStream = countInPieces(tricky.archive, 64 * 1024);
    expect(fromStream).toEqual(await countRowsByQuery(tricky.database));
    expect(fromStream).toEqual([
      { schema: 'Inventory Ünïcode', table: 'Measurements', rows: 5 },
      { schema: 'Inventory Ünïcode', table: 'blobs', rows: 22 },
      { schema: 'audit', table: 'cache', rows: 200 },
      { schema: 'audit', table: 'child', rows: 100 },
      { schema: 'audit', table: 'empty_table', rows: 0 },
      { schema: 'audit', table: 'events_2025', rows: 1698 },
      { schema: 'audit', table: 'events_2026', rows: 1302 },
      { schema: 'audit', table: 'log_without_key', rows: 150 },
      { schema: 'audit', table: 'parent', rows: 100 },
      { schema: 'sales', table: 'customers', rows: 2000 },
      { schema: 'sales', table: 'orders', rows: 5000 },
    ]);
  });

  it('counts rows that are empty lines, escaped line ends, `\\.` values, multi-megabyte rows and odd names exactly', async () => {
    const fromStream = countInPieces(edge.archive, 64 * 1024);
    expect(fromStream).toEqual(await countRowsByQuery(edge.database));
    expect(Object.fromEntries(fromStream.map((t) => [`${t.schema}.${t.table}`, t.rows]))).toEqual({
      'odd\nschema.tab\tname': 2,
      'public.bytes': 3,
      'public.empty_strings': 5,
      'public.escapes': 10,
      'public.many': 100_000,
      'public.no_columns': 3,
      'public.wide': 3,
    });
  });

  it.each([
    ['one byte', 1],
    ['7 bytes (every field split)', 7],
    ['random sizes', 'random' as const],
    ['the whole archive', Number.MAX_SAFE_INTEGER],
  ])('gives the same counts whatever the pieces: %s', (_name, pieceBytes) => {
    const expected = countInPieces(edge.archive, 64 * 1024);
    expect(countInPieces(edge.archive, pieceBytes)).toEqual(expected);
    if (pieceBytes !== 1) expect(countInPieces(tricky.archive, pieceBytes)).toEqual(countInPieces(tricky.archive, 64 * 1024));
  });

  it('names tables as the server does in a LATIN1 database', async () => {
    const database = `latin1_${Date.now()}`;
    await sql('postgres', `CREATE DATABASE ${database} ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'`);
    await sql(
      database,
      'CREATE SCHEMA "año"; CREATE TABLE "año"."café" (v text); INSERT INTO "año"."café" VALUES (\'crème\'), (\'brûlée\')',
    );
    const fromStream = countInPieces(await pgDump(database), 1000);
    expect(fromStream).toEqual([{ schema: 'año', table: 'café', rows: 2 }]);
    expect(fromStream).toEqual(await countRowsByQuery(database));
  });
});

describe('ArchiveRowCounter refuses what it cannot count exactly', () => {
  let archive: Buffer;
  /** Where the data of the first table ends: its last chunk (`\.` and two empty lines), then the zero length. */
  let firstEnd: number;
  const END_OF_TABLE_DATA = Buffer.from([0, 5, 0, 0, 0, 0x5c, 0x2e, 0x0a, 0x0a, 0x0a, 0, 0, 0, 0, 0]);

  beforeAll(async () => {
    const database = await createDatabase('damaged');
    await sql(database, 'CREATE TABLE a (v text); INSERT INTO a VALUES (1), (2); CREATE TABLE b (v text); INSERT INTO b VALUES (3)');
    archive = await pgDump(database);
    firstEnd = archive.indexOf(END_OF_TABLE_DATA);
    expect(firstEnd).toBeGreaterThan(0);
  });

  const patched = (at: number, ...bytes: number[]) => {
    const copy = Buffer.from(archive);
    copy.set(bytes, at);
    return copy;
  };

  it.each([
    [
      '1.17, a newer pg_dump',
      [1, 17, 0],
      /custom-format archive of version 1\.17, which this pg-backup cannot read \(it reads versions 1\.12 to 1\.16/,
    ],
    ['1.11, older than pg_dump 9.0', [1, 11, 0], /archive of version 1\.11, which this pg-backup cannot read/],
    ['2.0', [2, 0, 0], /archive of version 2\.0, which this pg-backup cannot read/],
  ])('an unknown archive version (%s) is an error naming it', (_name, version, message) => {
    expect(() => countInPieces(patched(5, ...version), 64 * 1024)).toThrow(message);
  });

  it('reads a revision of a known version as that version (as pg_restore does)', () => {
    expect(countInPieces(patched(7, 3), 64 * 1024)).toEqual([
      { schema: 'public', table: 'a', rows: 2 },
      { schema: 'public', table: 'b', rows: 1 },
    ]);
  });

  it('refuses another format, and data compressed by pg_dump, naming what it found', async () => {
    const database = await createDatabase('formats');
    await sql(database, 'CREATE TABLE t (v integer); INSERT INTO t VALUES (1)');
    expect(() => countInPieces(Buffer.from('--\n-- PostgreSQL database dump\n--\n'), 100)).toThrow(
      `pg_dump's output is not a custom-format archive: it starts with "--\\n--", not "PGDMP"`,
    );
    expect(() => countInPieces(Buffer.alloc(0), 100)).toThrow('pg_dump wrote nothing: there is no archive to count rows in');
    const gzipped = await pgDump(database, ['--format=custom', '--compress=1']);
    expect(() => countInPieces(gzipped, 64 * 1024)).toThrow(
      "pg_dump compressed the archive's data (gzip, level 1): pg-backup counts rows in uncompressed COPY data and runs pg_dump with --compress=0",
    );
  });

  it.each([
    ['inside the header', () => 3, 'the pg_dump archive is damaged at byte 3: the archive ends inside its header or table of contents'],
    [
      'inside the table of contents',
      () => 400,
      'the pg_dump archive is damaged at byte 400: the archive ends inside its header or table of contents',
    ],
    ['inside the rows of a table', () => firstEnd - 3, /ends inside the data of TABLE DATA public\.a \(dump id \d+\)/],
    ['between two tables', () => firstEnd + END_OF_TABLE_DATA.length, /ends before the data of 1 entry \(first: TABLE DATA public\.b/],
  ])('a truncated archive is an error, not a smaller count: %s', (_name, at, message) => {
    expect(() => countInPieces(archive.subarray(0, at()), 64 * 1024)).toThrow(message);
  });

  it.each([
    [
      'an unknown block type',
      () => patched(firstEnd + END_OF_TABLE_DATA.length, 7),
      /unknown data block type 7 \(1: data, 3: large objects\)/,
    ],
    ['a negative chunk length', () => patched(firstEnd, 1), /a chunk of TABLE DATA public\.a \(dump id \d+\) has length -5/],
    [
      'a row after the end-of-data line',
      () => patched(firstEnd + 8, 0x78),
      /the data of TABLE DATA public\.a \(dump id \d+\) goes on after its end-of-data line/,
    ],
    [
      'a last row without its line end',
      () => patched(firstEnd + 9, 0x78),
      /the data of TABLE DATA public\.a \(dump id \d+\) ends inside a row/,
    ],
  ])('a damaged data block is an error naming the byte and the table: %s', (_name, damaged, message) => {
    expect(() => countInPieces(damaged(), 64 * 1024)).toThrow(/^the pg_dump archive is damaged at byte \d+: /);
    expect(() => countInPieces(damaged(), 64 * 1024)).toThrow(message);
  });

  it('keeps failing once it has failed', () => {
    const counter = new ArchiveRowCounter();
    expect(() => counter.write(patched(5, 1, 17, 0))).toThrow(/version 1\.17/);
    expect(() => counter.write(Buffer.from('more'))).toThrow(/version 1\.17/);
    expect(() => counter.finish()).toThrow(/version 1\.17/);
  });
});
