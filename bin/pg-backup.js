#!/usr/bin/env node
// The `pg-backup` executable. It runs the TypeScript CLI through tsx's loader so that
// `npx pg-backup` works straight after `npm ci`; the container image runs a bundled
// build instead (see Dockerfile), so this shim is for operators and tests.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
