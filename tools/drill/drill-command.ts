import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parsePositiveInteger } from '../../src/cli/common-options.js';
import { reporterFor } from '../../src/cli/reporters.js';
import { silentReporter } from '../../src/reporting/reporter.js';
import { runDrill } from './drill.js';
import { renderDrillReport } from './drill-report.js';

interface DrillFlags {
  sizeMb: number;
  report: string;
  quiet?: boolean;
}

/** `npm run drill`: the whole product, and a disaster, on this machine. */
export function drillCommand(): Command {
  return new Command('drill')
    .description(
      'Local disaster-recovery drill with nothing running beforehand: a throwaway PostgreSQL with a generated sample database and a moto AWS emulator; ' +
        "the four CDK stacks deployed there with cdklocal; dump and verify run from their deployed task definitions, status and the freshness alerts from the deployed function's environment; a disaster (a dropped table, a corrupted one); " +
        'a restore; and proof that the restored data equals the data at dump time. Prints RPO and RTO against the database targets (a missed target fails the drill), sizes and throughput, writes the same report as JSON, ' +
        'exits 1 if any step fails, and stops everything it started, also on Ctrl-C.',
    )
    .addOption(
      new Option('--size-mb <n>', 'size of the generated sample database in MB')
        .env('PG_BACKUP_DRILL_SIZE_MB')
        .default(100)
        .argParser(parsePositiveInteger),
    )
    .addOption(new Option('--report <file>', 'where to write the JSON report').env('PG_BACKUP_DRILL_REPORT').default('drill-report.json'))
    .addOption(new Option('--quiet', 'print only the final report').env('PG_BACKUP_QUIET'))
    .action(async (flags: DrillFlags) => {
      const controller = new AbortController();
      let interrupts = 0;
      const onInterrupt = () => {
        interrupts += 1;
        if (interrupts > 1) process.exit(130);
        process.stderr.write('\ndrill: interrupted, stopping what was started (Ctrl-C again to exit at once)\n');
        controller.abort();
      };
      process.on('SIGINT', onInterrupt);
      process.on('SIGTERM', onInterrupt);
      try {
        const reporter = flags.quiet ? silentReporter : reporterFor();
        const report = await runDrill({
          sizeMegabytes: flags.sizeMb,
          reportFile: resolve(flags.report),
          reporter,
          signal: controller.signal,
        });
        process.stdout.write(renderDrillReport(report));
        process.exitCode = report.ok ? 0 : 1;
      } finally {
        process.off('SIGINT', onInterrupt);
        process.off('SIGTERM', onInterrupt);
      }
    });
}
