import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleCli } from '../../../src/cli/bundle.js';
import { createBucket, createDatabase, motoEndpoint, postgresUrl, sql } from '../../support/services.js';

describe('the bundled CLI (what the container image runs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-backup-bundle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs under plain node without tsx or node_modules: dump then list against moto', async () => {
    const outfile = join(dir, 'pg-backup.mjs');
    await bundleCli(outfile);
    const database = await createDatabase('bundle');
    await sql(database, 'CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1234) g');
    const bucket = await createBucket();
    // cwd outside the repository: the bundle must not reach for node_modules.
    const env = {
      AWS_ENDPOINT_URL: motoEndpoint(),
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      PG_BACKUP_SOURCE: postgresUrl(database),
      PG_BACKUP_BUCKET: bucket,
      PG_BACKUP_DB_ID: 'bundled',
    };

    const dump = await execa('node', [outfile, 'dump', '--json'], { cwd: dir, env, reject: false });
    const list = await execa('node', [outfile, 'list', '--json'], { cwd: dir, env, reject: false });

    expect(dump.exitCode, String(dump.stderr)).toBe(0);
    expect(JSON.parse(String(dump.stdout)).tables).toEqual([{ schema: 'public', table: 't', rows: 1234 }]);
    expect(
      String(dump.stderr)
        .split('\n')
        .filter(Boolean)
        .every(
          (line) =>
            line.startsWith('{') ||
            /NodeVersionSupportWarning|node >=22|upgrade to node|a\.co|trace-warnings|^\s*$|^To continue|^versions published|^will require|^More information/.test(
              line,
            ),
        ),
    ).toBe(true);
    expect(JSON.parse(String(list.stdout)).backups).toHaveLength(1);
  });
});
