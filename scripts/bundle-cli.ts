// Bundles the CLI into one ESM file for the container image: `tsx scripts/bundle-cli.ts dist/pg-backup.mjs`.
import { bundleCli } from '../src/cli/bundle.js';

const outfile = process.argv[2] ?? 'dist/pg-backup.mjs';
await bundleCli(outfile);
process.stdout.write(`bundled the pg-backup CLI into ${outfile}\n`);
