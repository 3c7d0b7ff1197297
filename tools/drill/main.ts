// `npm run drill [-- --size-mb N]`: the local disaster-recovery drill. It deploys the CDK app to an emulator, so it
// runs from a checkout (tsx), never from the container image; src/ (what ships) does not know it exists.
import { drillCommand } from './drill-command.js';

await drillCommand().parseAsync(process.argv);
