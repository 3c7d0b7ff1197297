import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionTarget, connect } from '../../../src/postgres/connection.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../../../src/postgres/throwaway-cluster.js';

/** A server that only accepts TLS, like RDS with rds.force_ssl = 1 (the default from PostgreSQL 15). */
describe('connections to a TLS-only server (PGSSLMODE as libpq reads it)', () => {
  let cluster: ThrowawayCluster;
  const certDir = mkdtempSync(join(tmpdir(), 'pg-backup-tls-'));
  beforeAll(async () => {
    const cert = join(certDir, 'server.crt');
    const key = join(certDir, 'server.key');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert],
      { stdio: 'ignore' },
    );
    chmodSync(certDir, 0o755);
    chmodSync(key, 0o600);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
      chownSync(key, uid, gid);
      chownSync(cert, uid, gid);
    }
    cluster = await startThrowawayCluster({ superuserPassword: 'tls-pw', settings: { ssl: 'on', ssl_cert_file: cert, ssl_key_file: key } });
    // Refuse plain TCP: only hostssl lines.
    execFileSync('sed', ['-i', 's/^host /hostssl /', join(cluster.dataDir, 'pg_hba.conf')]);
    const admin = await connect({ host: cluster.socketDir, port: cluster.port, database: 'postgres', user: 'postgres' }, 'cluster');
    await admin.query('SELECT pg_reload_conf()');
    await admin.end();
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  const target = (): ConnectionTarget => ({
    host: '127.0.0.1',
    port: cluster.port,
    database: 'postgres',
    user: 'postgres',
    password: 'tls-pw',
  });

  it('connects with TLS by default (prefer) and with require, without trusting the certificate', async () => {
    for (const env of [{}, { PGSSLMODE: 'require' }]) {
      const client = await connect(target(), 'source database', env);
      const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      await client.end();
      expect(rows[0].ssl).toBe(true);
    }
  });

  it("disable fails with the server's reason; verify-full rejects an untrusted certificate; an unknown mode is named", async () => {
    await expect(connect(target(), 'source database', { PGSSLMODE: 'disable' })).rejects.toThrow(
      /could not connect to the source database postgres@127\.0\.0\.1:\d+\/postgres: .*no pg_hba\.conf entry/,
    );
    await expect(connect(target(), 'source database', { PGSSLMODE: 'verify-full' })).rejects.toThrow(/self.signed certificate/);
    await expect(connect(target(), 'source database', { PGSSLMODE: 'sometimes' })).rejects.toThrow('PGSSLMODE (sometimes) must be one of');
  });
});
