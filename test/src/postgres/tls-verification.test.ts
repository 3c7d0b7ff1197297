import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresBinary } from '../../../src/postgres/binaries.js';
import { type ConnectionTarget, connect, libpqEnvironment } from '../../../src/postgres/connection.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../../../src/postgres/throwaway-cluster.js';
import { runCli } from '../../support/cli.js';
import { createBucket } from '../../support/services.js';

// Issue 12, "TLS verified by default": a TLS-only server whose certificate a CA of our own issued for the name
// `localhost` only, as RDS's CA issues one for the instance endpoint. `verify-full` must pass with that CA and that
// name, and refuse another CA and another name, for the CLI's own connections (node-postgres) and for pg_dump (libpq),
// both configured by the same PGSSLMODE and PGSSLROOTCERT the image and the task definition set.

const dir = mkdtempSync(join(tmpdir(), 'pg-backup-ca-'));
const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

/** A CA (key and self-signed certificate) named `name`. */
function createCa(name: string): string {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    file(`${name}.key`),
    '-out',
    file(`${name}.crt`),
  );
  return file(`${name}.crt`);
}

let cluster: ThrowawayCluster;
let rightCa: string;
let otherCa: string;

beforeAll(async () => {
  rightCa = createCa('pg-backup-test-ca');
  otherCa = createCa('someone-elses-ca');
  // The server's certificate: issued by rightCa for DNS name localhost only (no IP address in it).
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    rightCa,
    '-CAkey',
    file('pg-backup-test-ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.crt'),
  );
  chmodSync(dir, 0o755);
  chmodSync(file('server.key'), 0o600);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    for (const name of ['server.key', 'server.crt']) chownSync(file(name), uid, gid);
  }
  cluster = await startThrowawayCluster({
    superuserPassword: 'tls-pw',
    settings: { ssl: 'on', ssl_cert_file: file('server.crt'), ssl_key_file: file('server.key') },
  });
  // Only TLS over TCP: every host line becomes hostssl.
  execFileSync('sed', ['-i', 's/^host /hostssl /', join(cluster.dataDir, 'pg_hba.conf')]);
  const admin = await connect({ host: cluster.socketDir, port: cluster.port, database: 'postgres', user: 'postgres' }, 'cluster');
  await admin.query('SELECT pg_reload_conf()');
  await admin.query('CREATE TABLE verified (id int); INSERT INTO verified VALUES (1), (2), (3)');
  await admin.end();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const target = (host: string): ConnectionTarget => ({
  host,
  port: cluster.port,
  database: 'postgres',
  user: 'postgres',
  password: 'tls-pw',
});
const verifyFull = (rootCert: string) => ({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: rootCert });

describe("the CLI's own connections (node-postgres)", () => {
  it('verify-full with the CA that issued the certificate and the name it holds: connected, over TLS', async () => {
    const client = await connect(target('localhost'), 'source database', verifyFull(rightCa));
    const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    await client.end();
    expect(rows[0]!.ssl).toBe(true);
  });

  it('refuses a certificate another CA issued, naming the CA file it checked against', async () => {
    await expect(connect(target('localhost'), 'source database', verifyFull(otherCa))).rejects.toThrow(
      `could not connect to the source database postgres@localhost:${cluster.port}/postgres: the server's certificate is not trusted (`,
    );
    await expect(connect(target('localhost'), 'source database', verifyFull(otherCa))).rejects.toThrow(
      `PGSSLMODE=verify-full checks it against PGSSLROOTCERT (${otherCa})`,
    );
  });

  it('refuses a certificate that does not name the host connected to (127.0.0.1 for a certificate of localhost)', async () => {
    await expect(connect(target('127.0.0.1'), 'source database', verifyFull(rightCa))).rejects.toThrow(
      /the server's certificate does not name 127\.0\.0\.1 \(.*\): connect by a name the certificate holds/,
    );
    // verify-ca checks the issuer only, so the same connection passes.
    const client = await connect(target('127.0.0.1'), 'source database', { PGSSLMODE: 'verify-ca', PGSSLROOTCERT: rightCa });
    await client.end();
  });
});

describe('pg_dump (libpq), with the environment the task gives it', () => {
  const pgDump = (host: string, env: Record<string, string>) =>
    execa(postgresBinary('pg_dump'), ['--schema-only', '--no-password', '--table=verified'], {
      reject: false,
      env: libpqEnvironment(target(host), { PATH: process.env.PATH ?? '', ...env }),
      extendEnv: false,
    });

  it('verify-full with the right CA and name: dumps', async () => {
    const result = await pgDump('localhost', verifyFull(rightCa));
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('CREATE TABLE public.verified');
  });

  it('refuses another CA and another host name', async () => {
    const wrongCa = await pgDump('localhost', verifyFull(otherCa));
    expect(wrongCa.exitCode).toBe(1);
    expect(wrongCa.stderr).toMatch(/certificate verify failed/);
    const wrongHost = await pgDump('127.0.0.1', verifyFull(rightCa));
    expect(wrongHost.exitCode).toBe(1);
    // "(and 1 other name)": the certificate's CN and its subjectAltName, both localhost.
    expect(wrongHost.stderr).toContain('server certificate for "localhost" (and 1 other name) does not match host name "127.0.0.1"');
  });
});

describe('pg-backup dump, end to end', () => {
  it('dumps over verified TLS (its own connection, pg_dump and pg_dumpall), and refuses a host the certificate does not name', async () => {
    const bucket = await createBucket('tls');
    const env = { ...verifyFull(rightCa), PGPASSWORD: 'tls-pw' };
    const dump = await runCli(
      ['dump', '--db-id', 'tls-db', '--bucket', bucket, '--source', `postgresql://postgres@localhost:${cluster.port}/postgres`, '--json'],
      env,
    );
    expect(dump.exitCode, dump.stderr).toBe(0);
    expect(JSON.parse(dump.stdout).tables).toContainEqual({ schema: 'public', table: 'verified', rows: 3 });

    const wrongHost = await runCli(
      ['dump', '--db-id', 'tls-db', '--bucket', bucket, '--source', `postgresql://postgres@127.0.0.1:${cluster.port}/postgres`],
      env,
    );
    expect(wrongHost.exitCode).toBe(1);
    expect(wrongHost.stderr).toContain("the server's certificate does not name 127.0.0.1");
  });
});
