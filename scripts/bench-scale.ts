/**
 * `npm run bench:scale [-- --databases 1,50,200]`: the scale section of the benchmark. Synthesizes stages of
 * generated databases (tools/local/scale-stage.ts: a realistic mix) exactly as `cdk synth` does, nag packs and
 * validators included, and prints per stage the stacks, their resources and template sizes, the synth seconds,
 * and the resources each added database costs; writes bench/results/scale-<time>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { STACK_LIMITS } from '../lib/nag/stack-limits.js';
import { resourcesPerAddedDatabase, type ScaleSynth, synthScale } from '../tools/local/scale-stage.js';

const { values } = parseArgs({ options: { databases: { type: 'string', default: '1,50,200' } } });
const counts = values.databases!.split(',').map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new Error(`--databases (${values.databases}) must be whole numbers from 1 to 1000, like 1,50,200`);
  return n;
});

const work = mkdtempSync(join(tmpdir(), 'pg-backup-bench-scale-'));
const results: ScaleSynth[] = [];
try {
  for (const n of counts) {
    process.stderr.write(`bench:scale: synthesizing ${n} databases...\n`);
    results.push(synthScale(n, join(work, String(n))));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const rows = results.map((r) => {
  const largest = [...r.stacks].sort((a, b) => b.resources - a.resources)[0]!;
  const biggest = [...r.stacks].sort((a, b) => b.bytes - a.bytes)[0]!;
  return `| ${r.databases} | ${r.stacks.length} | ${r.totalResources} | ${largest.resources} (${largest.name}) | ${Math.round(biggest.bytes / 1024)} KB (${biggest.name}) | ${r.seconds.toFixed(1)} |`;
});
process.stdout.write(
  [
    '',
    `Scale (limits per stack: ${STACK_LIMITS.resources} resources, ${STACK_LIMITS.templateBytes / 1024} KB)`,
    '',
    '| databases | stacks | resources | most in a stack | largest template | synth s |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...results
      .slice(1)
      .map(
        (r) =>
          `resources per added database, ${results[0]!.databases} -> ${r.databases}: ${resourcesPerAddedDatabase(results[0]!, r).toFixed(2)}`,
      ),
    '',
    ...results.map(
      (r) => `${r.databases}: ${r.stacks.map((s) => `${s.name} ${s.resources} / ${Math.round(s.bytes / 1024)} KB`).join(', ')}`,
    ),
    '',
  ].join('\n'),
);
const resultsDir = join(import.meta.dirname, '..', 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ machine: { cores: availableParallelism() }, results: results.map((r) => ({ ...r, stacks: r.stacks.map(({ templatePath: _, ...s }) => s) })) }, null, 2)}\n`,
);
process.stdout.write(`results written to ${file}\n`);
