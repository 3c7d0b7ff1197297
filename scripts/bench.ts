/**
 * `npm run bench [-- --sizes 250,1300]`: pg-backup against the classic backup script on generated
 * databases of realistic mixed data, all five pipelines measured in one run per size:
 *   1. pg_dump -Fc -Z0 > /dev/null            the extraction limit
 *   2. pg_dump | gzip > file; aws s3 cp       the classic script, to the same S3 endpoint
 *   3. pg-backup dump                         (the bundled CLI, as the container runs it)
 *   4. gunzip -c file | psql                  the classic restore
 *   5. pg-backup verify                       its pg_restore step (restoreSeconds), and the whole verify
 * Prints a table and the target ratios, and writes bench/results/bench-<time>.json.
 * Targets: 3 <= 1.4 x 1; 3 at least 2.5 x faster than 2; bytes 3 <= bytes 2; 5 at least 1.6 x faster
 * than 4; the tuples 3 reads on the source = those 1 reads (production is read once); the CLI's peak
 * RSS under 200 MB at every size, and flat across them (default sizes 250, 1300 and 2600 MB: a tenfold range
 * that fits a 2-core machine's time).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { bundleCli } from '../src/cli/bundle.js';
import { postgresBinDir } from '../src/postgres/binaries.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../src/postgres/throwaway-cluster.js';
import { type MotoServer, startMotoServer } from '../tools/local/moto-server.js';
import { generateSampleDatabase } from '../tools/local/sample-database.js';
import { ownCpuSeconds, serverCpuSeconds } from './bench/cpu-seconds.js';
import { type Measurement, measure } from './bench/measured-run.js';
import { tuplesRead } from './bench/source-reads.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '250,1300,2600' } } });
const sizes = values.sizes!.split(',').map((s) => {
  const size = Number(s);
  if (!Number.isFinite(size) || size < 10) throw new Error(`--sizes (${values.sizes}) must be megabytes, each at least 10, like 250,1300`);
  return size;
});

const MB = 1e6;
const bin = postgresBinDir() ?? '';
const work = mkdtempSync(join(tmpdir(), 'pg-backup-bench-'));
// Throwaway clusters run as a non-root OS user when we are root: they must be able to pass through.
chmodSync(work, 0o711);
const cleanups: (() => Promise<void>)[] = [];
const cleanup = async () => {
  for (const stop of cleanups.reverse()) await stop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

interface Row {
  readonly pipeline: string;
  readonly measurement: Measurement;
  readonly seconds: number;
  readonly storedBytes?: number;
  /** Tuples the pipeline read from the source's tables (pipelines that dump the source). */
  readonly tuplesRead?: number;
  /** CPU seconds the step cost the source server and the S3 emulator, beside its own processes' (pipelines that dump the source). */
  readonly serverCpuSeconds?: number;
  readonly emulatorCpuSeconds?: number;
}

async function runOneSize(sizeMb: number, source: ThrowawayCluster, moto: MotoServer, bucket: string, cli: string) {
  const motoEndpoint = moto.endpoint;
  const database = `bench_${sizeMb}`;
  const admin = new pg.Client({ connectionString: source.url() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const client = new pg.Client({ connectionString: source.url(database) });
  await client.connect();
  process.stderr.write(`bench: generating ~${sizeMb} MB of mixed data...\n`);
  await generateSampleDatabase(client, sizeMb);
  const databaseBytes = Number((await client.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size')).rows[0].size);
  // Settled before measuring: no autovacuum pass (or its reads) in the middle of a pipeline.
  await client.query('VACUUM ANALYZE');
  await client.query('CHECKPOINT');
  await client.end();

  const env = {
    ...process.env,
    PGHOST: source.socketDir,
    PGPORT: String(source.port),
    PGUSER: source.superuser,
    PGDATABASE: database,
    AWS_ENDPOINT_URL: motoEndpoint,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    PG_BACKUP_LOG_FORMAT: 'json',
  };
  const gzFile = join(work, `${database}.sql.gz`);
  const rows: Row[] = [];
  const sourceUrl = source.url(database);
  const step = async (pipeline: string, script: string, options: { readsSource?: boolean } = {}) => {
    process.stderr.write(`bench: ${sizeMb} MB: ${pipeline}\n`);
    const before = options.readsSource ? await tuplesRead(sourceUrl) : 0;
    const serverBefore = serverCpuSeconds(source.dataDir);
    const emulatorBefore = ownCpuSeconds(moto.pid) ?? 0;
    const measurement = await measure(script, env);
    const cpu = options.readsSource
      ? {
          serverCpuSeconds: serverCpuSeconds(source.dataDir) - serverBefore,
          emulatorCpuSeconds: (ownCpuSeconds(moto.pid) ?? 0) - emulatorBefore,
        }
      : {};
    const reads = options.readsSource ? { tuplesRead: (await tuplesRead(sourceUrl)) - before } : {};
    const row = { pipeline, measurement, seconds: measurement.wallSeconds, ...reads, ...cpu };
    rows.push(row);
    return row;
  };

  // Warm the page cache once so the first pipeline is not penalised.
  await measure(`${bin}/pg_dump -Fc -Z0 > /dev/null`, env);
  await step('1 pg_dump -Fc -Z0 > /dev/null', `${bin}/pg_dump -Fc -Z0 > /dev/null`, { readsSource: true });
  const classic = await step(
    '2 pg_dump | gzip > file; aws s3 cp',
    `${bin}/pg_dump | gzip > ${gzFile} && aws --endpoint-url ${motoEndpoint} s3 cp --only-show-errors ${gzFile} s3://${bucket}/classic/${database}.sql.gz`,
    { readsSource: true },
  );
  rows[rows.length - 1] = { ...classic, storedBytes: statSync(gzFile).size };
  const dump = await step(
    '3 pg-backup dump',
    `exec node ${cli} dump --db-id ${database.replace('_', '-')} --bucket ${bucket} --source postgresql://${source.superuser}@127.0.0.1:${source.port}/${database} --json`,
    { readsSource: true },
  );
  const manifest = JSON.parse(dump.measurement.stdout) as { dump: { storedBytes: number }; rawBytes: number };
  rows[rows.length - 1] = { ...dump, storedBytes: manifest.dump.storedBytes };

  // The classic restore goes into a fresh cluster with the same settings verify's throwaway cluster uses.
  const target = await startThrowawayCluster({ parentDir: work });
  try {
    await step(
      '4 gunzip | psql',
      `${bin}/createdb -h ${target.socketDir} -p ${target.port} -U ${target.superuser} restored && gunzip -c ${gzFile} | ${bin}/psql -q -X -v ON_ERROR_STOP=1 -h ${target.socketDir} -p ${target.port} -U ${target.superuser} -d restored > /dev/null`,
    );
  } finally {
    await target.stop();
  }
  const verify = await step(
    '5 pg-backup verify (whole)',
    `exec node ${cli} verify --db-id ${database.replace('_', '-')} --bucket ${bucket} --work-dir ${work} --json`,
  );
  const record = JSON.parse(verify.measurement.stdout) as { passed: boolean; restoreSeconds: number };
  if (!record.passed) throw new Error(`pg-backup verify failed during the benchmark: ${verify.measurement.stdout}`);
  rows.push({ pipeline: '5 ... its pg_restore step', measurement: verify.measurement, seconds: record.restoreSeconds });
  rmSync(gzFile, { force: true });

  const by = (prefix: string) => rows.find((r) => r.pipeline.startsWith(prefix))!;
  const ratios = {
    dumpVsExtraction: by('3').seconds / by('1').seconds,
    sourceTuplesDumpVsExtraction: by('3').tuplesRead! / by('1').tuplesRead!,
    classicVsDump: by('2').seconds / by('3').seconds,
    storedBytesVsClassic: by('3').storedBytes! / by('2').storedBytes!,
    classicRestoreVsVerifyRestore: by('4').seconds / by('5 ...').seconds,
    cliPeakRssMb: by('3').measurement.peakMainRssBytes / MB,
    verifyCliPeakRssMb: by('5 pg-backup verify').measurement.peakMainRssBytes / MB,
    // The least wall time (3)'s CPU allows on these cores (perfectly spread), against (1)'s wall: where
    // the ratio cannot go below whatever the code does, with and without the emulator's share.
    dumpCpuFloorVsExtraction: cpuTotal(by('3')) / cores / by('1').seconds,
    dumpCpuFloorWithoutEmulatorVsExtraction: (cpuTotal(by('3')) - by('3').emulatorCpuSeconds!) / cores / by('1').seconds,
    ...serialEnds(by('3'), by('1').seconds),
  };
  return { sizeMb, databaseBytes, rawDumpBytes: manifest.rawBytes, rows, ratios };
}

const cores = availableParallelism();

/** CPU seconds of a step's own processes, of the source server and of the emulator. */
function cpuTotal(row: Row): number {
  const own = Object.values(row.measurement.cpuSecondsByCommand).reduce((sum, seconds) => sum + seconds, 0);
  return own + (row.serverCpuSeconds ?? 0) + (row.emulatorCpuSeconds ?? 0);
}

/** How far apart the bench's /proc polls are: a process's first and last sighting are each within this of the truth. */
const POLL_SECONDS = 0.05;

/**
 * The serial ends of pg-backup dump: before pg_dump starts (the CLI loading and connecting) and after
 * pg_dump and zstd have exited (the upload's last parts, CompleteMultipartUpload, in which the
 * emulator assembles the object in one Python thread, and the manifest). Each is one process's work
 * (one busy core, sampled from /proc/stat while profiling), so the least wall time (3) can take on
 * these cores is both ends plus the rest of its CPU spread perfectly over the cores. A short-lived
 * `pg_dump --version` seen first, and both ends trimmed by a poll interval, can only lower the floor.
 */
function serialEnds(dump: Row, extractionSeconds: number) {
  const lifetimes = dump.measurement.lifetimeByCommand;
  const pgDump = lifetimes.pg_dump;
  const sourceReadEnd = Math.max(pgDump.lastSeen, lifetimes.zstd?.lastSeen ?? 0);
  const beforeReadSeconds = Math.max(0, pgDump.firstSeen - POLL_SECONDS);
  const afterReadSeconds = Math.max(0, dump.seconds - sourceReadEnd - POLL_SECONDS);
  const serialSeconds = beforeReadSeconds + afterReadSeconds;
  const floorSeconds = serialSeconds + Math.max(0, cpuTotal(dump) - serialSeconds) / cores;
  return { beforeReadSeconds, afterReadSeconds, dumpSerialFloorVsExtraction: floorSeconds / extractionSeconds };
}

function cpuBreakdown(row: Row): string {
  const parts = [
    `server ${row.serverCpuSeconds!.toFixed(1)}`,
    ...Object.entries(row.measurement.cpuSecondsByCommand)
      .filter(([, seconds]) => seconds >= 0.05)
      .sort(([, a], [, b]) => b - a)
      .map(([name, seconds]) => `${name === 'node' ? 'CLI (node)' : name} ${seconds.toFixed(1)}`),
    `S3 emulator ${row.emulatorCpuSeconds!.toFixed(1)}`,
  ];
  return `${parts.join(', ')} = ${cpuTotal(row).toFixed(1)} CPU s: at least ${(cpuTotal(row) / cores).toFixed(1)} s on ${cores} cores`;
}

function report(result: Awaited<ReturnType<typeof runOneSize>>): string {
  const lines = [
    `\nDatabase of ${(result.databaseBytes / MB).toFixed(0)} MB (pg_database_size), custom-format dump ${(result.rawDumpBytes / MB).toFixed(0)} MB`,
    `${'pipeline'.padEnd(36)} ${'wall s'.padStart(8)} ${'MB/s'.padStart(8)} ${'stored MB'.padStart(10)} ${'peak RSS MB'.padStart(12)} ${'tuples read on the source'.padStart(26)}`,
  ];
  for (const row of result.rows) {
    lines.push(
      `${row.pipeline.padEnd(36)} ${row.seconds.toFixed(2).padStart(8)} ${(result.databaseBytes / MB / row.seconds).toFixed(0).padStart(8)} ${(row.storedBytes ? (row.storedBytes / MB).toFixed(1) : '-').padStart(10)} ${(row.measurement.peakTreeRssBytes / MB).toFixed(0).padStart(12)} ${(row.tuplesRead?.toLocaleString('en-US') ?? '-').padStart(26)}`,
    );
  }
  lines.push('CPU seconds (user + system) of the pipelines that read the source:');
  for (const row of result.rows.filter((r) => r.serverCpuSeconds !== undefined))
    lines.push(`  ${row.pipeline.slice(0, 2)} ${cpuBreakdown(row)}`);
  const r = result.ratios;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  lines.push(
    `(3)/(1) dump vs extraction limit     ${r.dumpVsExtraction.toFixed(2)}  target <= 1.40  ${verdict(r.dumpVsExtraction <= 1.4)}`,
    `  its floor from CPU on ${cores} cores        ${r.dumpCpuFloorVsExtraction.toFixed(2)}  (${r.dumpCpuFloorWithoutEmulatorVsExtraction.toFixed(2)} without the S3 emulator's share)`,
    `  and with its serial ends            ${r.dumpSerialFloorVsExtraction.toFixed(2)}  (one core: ${r.beforeReadSeconds.toFixed(2)} s before pg_dump starts, ${r.afterReadSeconds.toFixed(2)} s after the source is read, completing the upload)`,
    `(3)/(1) tuples read on the source     ${r.sourceTuplesDumpVsExtraction.toFixed(2)}  target  = 1.00  ${verdict(r.sourceTuplesDumpVsExtraction === 1)}`,
    `(2)/(3) classic script vs dump        ${r.classicVsDump.toFixed(2)}  target >= 2.50  ${verdict(r.classicVsDump >= 2.5)}`,
    `bytes (3)/(2) stored vs gzip          ${r.storedBytesVsClassic.toFixed(2)}  target <= 1.00  ${verdict(r.storedBytesVsClassic <= 1)}`,
    `(4)/(5) psql restore vs pg_restore    ${r.classicRestoreVsVerifyRestore.toFixed(2)}  target >= 1.60  ${verdict(r.classicRestoreVsVerifyRestore >= 1.6)}`,
    `pg-backup dump CLI peak RSS           ${r.cliPeakRssMb.toFixed(0)} MB  target < 200 MB  ${verdict(r.cliPeakRssMb < 200)}`,
    `pg-backup verify CLI peak RSS         ${r.verifyCliPeakRssMb.toFixed(0)} MB  (node process alone)`,
  );
  return lines.join('\n');
}

try {
  const cli = join(work, 'pg-backup.mjs');
  await bundleCli(cli);
  const source = await startThrowawayCluster({ parentDir: work });
  cleanups.push(() => source.stop());
  const moto = await startMotoServer();
  cleanups.push(() => moto.stop());
  const bucket = 'bench-backups';
  const s3 = new S3Client({
    region: 'eu-west-1',
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));

  const results = [];
  for (const size of sizes) {
    const result = await runOneSize(size, source, moto, bucket, cli);
    results.push(result);
    process.stdout.write(`${report(result)}\n`);
  }
  const memory = results.map((r) => r.ratios.cliPeakRssMb);
  // Flat: the largest database costs the CLI at most 10% more memory than the next smaller one. The
  // smallest (250 MB, a 60 MB upload) ends before the parts in flight and the garbage collector's
  // lag reach their steady state, so it sits lower; from there on the peak must not grow with size.
  const growth = memory.length > 1 ? memory[memory.length - 1] / memory[memory.length - 2] : 1;
  const flat = memory.every((m) => m < 200) && growth <= 1.1;
  process.stdout.write(
    `\nCLI peak RSS across sizes: ${memory.map((m) => `${m.toFixed(0)} MB`).join(' -> ')} (${results.map((r) => `${(r.databaseBytes / MB).toFixed(0)} MB`).join(' -> ')} databases), ` +
      `largest/next ${growth.toFixed(2)}  target < 200 MB at every size and <= 1.10  ${flat ? 'met' : 'NOT MET'}\n`,
  );
  const resultsDir = join(import.meta.dirname, '..', 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ machine: { cores }, results }, null, 2)}\n`);
  process.stdout.write(`results written to ${file}\n`);
} finally {
  await cleanup();
}
