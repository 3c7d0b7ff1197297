// `npm run access-report`: proves every access edge of the deployed app with an IAM engine and writes
// docs/access-matrix.md. Starts its own PostgreSQL and moto (the code's calls are recorded from real runs).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/pg-backup-app.js';
import { startThrowawayCluster } from '../../src/postgres/throwaway-cluster.js';
import { startMotoServer } from '../local/moto-server.js';
import { generateAccessReport } from './generate-access-report.js';

export const ACCESS_MATRIX_FILE = join(PROJECT_ROOT, 'docs/access-matrix.md');

const password = 'access-report';
const cluster = await startThrowawayCluster({ superuserPassword: password, fast: true });
const moto = await startMotoServer().catch(async (error: unknown) => {
  await cluster.stop();
  throw error;
});
try {
  const report = await generateAccessReport({
    motoEndpoint: moto.endpoint,
    postgres: { host: cluster.host, port: cluster.port, superuser: cluster.superuser, password },
  });
  writeFileSync(ACCESS_MATRIX_FILE, report.matrix);
  const unexpected = report.runs.filter((r) => (r.exitCode === 0) === r.name.includes('stops at the connection'));
  process.stdout.write(
    `access-report: ${report.calls.length} code authorizations, ${report.edges.length} service edges and probes; ${report.failures.length} failure(s); wrote ${ACCESS_MATRIX_FILE}\n`,
  );
  for (const failure of report.failures) process.stdout.write(`  - ${failure}\n`);
  for (const run of unexpected) process.stdout.write(`  - scenario "${run.name}" exited ${run.exitCode}: ${run.output.slice(-800)}\n`);
  process.exitCode = report.failures.length > 0 || unexpected.length > 0 ? 1 : 0;
} finally {
  await moto.stop();
  await cluster.stop();
}
