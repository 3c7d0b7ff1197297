import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * One self-contained ESM file of the CLI (what the container image runs with plain node).
 * CommonJS dependencies (pg, the AWS SDK) need `require`, which ESM output lacks: the banner adds it.
 */
export async function bundleCli(outfile: string): Promise<void> {
  await build({
    entryPoints: [join(import.meta.dirname, 'entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: false,
    sourcemap: false,
    // pg's optional native binding is never used.
    external: ['pg-native'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}
