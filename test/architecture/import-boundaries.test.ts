import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';

// The layering README describes, enforced by Biome's noRestrictedImports (biome.json overrides), which `npm test`
// runs over the tree with `biome ci`. This test proves the rule itself: the same configuration, on probe files
// laid out like the repository, flags each forbidden import and passes each allowed one.
const ROOT = join(import.meta.dirname, '../..');
const BIOME = join(ROOT, 'node_modules/.bin/biome');
const probeRoot = mkdtempSync(join(tmpdir(), 'pg-backup-boundaries-'));
afterAll(() => rmSync(probeRoot, { recursive: true, force: true }));

interface Probe {
  readonly file: string;
  readonly from: string;
  readonly allowed: boolean;
}

const probes: Probe[] = [
  { file: 'src/backup/probe.ts', from: '../../lib/pg-backup-app.js', allowed: false },
  { file: 'src/backup/probe.ts', from: '../../lambda/freshness/run-check.js', allowed: false },
  { file: 'src/backup/probe.ts', from: '../../tools/drill/drill.js', allowed: false },
  { file: 'src/backup/probe.ts', from: 'aws-cdk-lib', allowed: false },
  { file: 'src/backup/probe.ts', from: 'aws-cdk-lib/aws-s3', allowed: false },
  { file: 'src/backup/probe.ts', from: '../contract/layout.js', allowed: true },
  { file: 'lib/jobs/probe.ts', from: '../../src/backup/dump.js', allowed: false },
  { file: 'lib/jobs/probe.ts', from: '../../lambda/freshness/config.js', allowed: false },
  { file: 'lib/jobs/probe.ts', from: '../../src/contract/layout.js', allowed: true },
  { file: 'lib/jobs/probe.ts', from: '../../src/contract/freshness/limits.js', allowed: true },
  { file: 'lambda/freshness/probe.ts', from: '../../src/backup/dump.js', allowed: false },
  { file: 'lambda/freshness/probe.ts', from: '../../lib/pg-backup-app.js', allowed: false },
  { file: 'lambda/freshness/probe.ts', from: '../../src/contract/metrics.js', allowed: true },
  { file: 'tools/drill/probe.ts', from: '../../lib/pg-backup-app.js', allowed: true },
];

describe('import boundaries (biome.json noRestrictedImports)', () => {
  test.each(probes)('$file importing $from: allowed $allowed', async ({ file, from, allowed }) => {
    const dir = mkdtempSync(join(probeRoot, 'case-'));
    const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as Record<string, unknown>;
    delete config.$schema;
    writeFileSync(join(dir, 'biome.json'), JSON.stringify({ ...config, vcs: { enabled: false }, files: { includes: ['**'] } }));
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    writeFileSync(join(dir, file), `import { x } from '${from}';\n\nexport const y = x;\n`);

    const result = await execa(BIOME, ['lint', '--reporter=json', '.'], { cwd: dir, reject: false });
    const report = JSON.parse(String(result.stdout)) as { diagnostics: { category: string }[] };
    const flagged = report.diagnostics.some((d) => d.category === 'lint/style/noRestrictedImports');
    expect(flagged).toBe(!allowed);
  });
});
