// Entry point of the bundled CLI in the container image (see Dockerfile and scripts/bundle-cli.ts).
import { main } from './main.js';

process.exitCode = await main(process.argv);
