import type * as logs from 'aws-cdk-lib/aws-logs';
import { checkLogRetentionDays, logRetention } from './log-retention.js';
import type { ConfigProblems } from './problems.js';
import { checkOneOf, checkWholeNumber, withDefaults } from './toolkit.js';

export type CpuArchitecture = 'ARM64' | 'X86_64';
export const CPU_ARCHITECTURES: readonly CpuArchitecture[] = ['ARM64', 'X86_64'];

/** Settings shared by every database's dump and verify tasks. */
export interface JobsConfig {
  /**
   * CPU architecture of the image and the Fargate tasks. ARM64 (Graviton) costs about 20% less;
   * the image must be built for it (cdk deploy builds it with `docker build --platform`).
   * @default ARM64
   */
  readonly cpuArchitecture?: CpuArchitecture;
  /**
   * Days the tasks' logs are kept; one of CloudWatch Logs' retention periods.
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * How often EventBridge Scheduler retries starting a task (RunTask throttled or failing) before
   * the event goes to the dead-letter queue. 0 to 185.
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * Build arguments of the tasks' image (the Dockerfile's ARGs), passed on `cdk deploy`: pin the base
   * images by digest (`POSTGRES_IMAGE`, `NODE_IMAGE`, like `postgres:17-bookworm@sha256:<64 hex>`) and the
   * RDS CA bundle by checksum (`RDS_CA_BUNDLE_SHA256`); also `PG_MAJOR`, `NODE_MAJOR`, `RDS_CA_BUNDLE_URL`.
   * @default - none: the Dockerfile's floating tags, the bundle unpinned
   */
  readonly imageBuildArgs?: Readonly<Record<string, string>>;
  /**
   * Spreads the start of the jobs: each database's dump and verify start this many minutes or fewer after
   * their cron time, at a fixed offset of its own (from a hash of its id, the same for both jobs, stable
   * when databases are added), so two hundred databases do not start in the same minute. 0 to 240; 0 starts
   * every job on its cron minute. With a window, a cron's minute must be one number and its hour one number,
   * a list of numbers or `*`, and no offset may carry a job past midnight (validation says which).
   * @default 60
   */
  readonly startWindowMinutes?: number;
  /**
   * Databases per jobs stack: entries 1 to N of `databases` go to `<appName>-jobs`, the next N to
   * `<appName>-jobs-2`, and so on, by position, so adding a database never moves another one. 1 to 50:
   * each database costs at most 7 resources and about 15 KB of template, and a stack stays under 450
   * resources and 900 KB (synth fails naming the stack otherwise: lower this).
   * @default 40
   */
  readonly databasesPerStack?: number;
}

/** JobsConfig with every default applied, in the types the constructs take. */
export interface ResolvedJobsConfig {
  readonly cpuArchitecture: CpuArchitecture;
  /** Of the tasks' log groups and the new VPC's flow logs. */
  readonly logRetention: logs.RetentionDays;
  readonly retryAttempts: number;
  readonly imageBuildArgs: Readonly<Record<string, string>>;
  readonly startWindowMinutes: number;
  readonly databasesPerStack: number;
}

export const JOBS_DEFAULTS = {
  cpuArchitecture: 'ARM64',
  logRetentionDays: 365,
  retryAttempts: 3,
  imageBuildArgs: {},
  startWindowMinutes: 60,
  databasesPerStack: 40,
} as const satisfies Required<JobsConfig>;

/** The start window's range: up to four hours, the default gap between a dump and its verify. */
export const START_WINDOW_MINUTES = {
  min: 0,
  max: 240,
  unit: 'minutes',
  reason: 'up to the 4 hours between the default dump and verify',
} as const;

/**
 * Databases per jobs stack: 50 databases of at most 7 resources and about 15 KB of template each (the dump role's
 * inline policy is most of it), plus the stack's own, stay under 450 resources and 900 KB; 60 came to 915 KB.
 */
export const DATABASES_PER_STACK = { min: 1, max: 50, reason: 'a stack stays under 450 resources and 900 KB' } as const;

/** The ARGs the Dockerfile declares. */
export const IMAGE_BUILD_ARGS: readonly string[] = [
  'POSTGRES_IMAGE',
  'NODE_IMAGE',
  'PG_MAJOR',
  'NODE_MAJOR',
  'RDS_CA_BUNDLE_URL',
  'RDS_CA_BUNDLE_SHA256',
];

/** EventBridge Scheduler's range of retry attempts. */
const RETRY_ATTEMPTS = { min: 0, max: 185, reason: "EventBridge Scheduler's range" } as const;

/** Defaults applied; call only on a configuration that passed validateJobsConfig. */
export function resolveJobsConfig(jobs?: JobsConfig): ResolvedJobsConfig {
  const { cpuArchitecture, logRetentionDays, retryAttempts, imageBuildArgs, startWindowMinutes, databasesPerStack } =
    withDefaults<JobsConfig>(JOBS_DEFAULTS, jobs);
  return {
    cpuArchitecture,
    logRetention: logRetention(logRetentionDays),
    retryAttempts,
    imageBuildArgs,
    startWindowMinutes,
    databasesPerStack,
  };
}

/** Records every problem of the `jobs` section; `path` is its field path, like `jobs`. */
export function validateJobsConfig(jobs: JobsConfig | undefined, path: string, problems: ConfigProblems): void {
  if (jobs === undefined) return;
  if (jobs.cpuArchitecture !== undefined) checkOneOf(jobs.cpuArchitecture, CPU_ARCHITECTURES, `${path}.cpuArchitecture`, problems);
  if (jobs.logRetentionDays !== undefined) checkLogRetentionDays(jobs.logRetentionDays, `${path}.logRetentionDays`, problems);
  if (jobs.retryAttempts !== undefined) checkWholeNumber(jobs.retryAttempts, RETRY_ATTEMPTS, `${path}.retryAttempts`, problems);
  if (jobs.startWindowMinutes !== undefined)
    checkWholeNumber(jobs.startWindowMinutes, START_WINDOW_MINUTES, `${path}.startWindowMinutes`, problems);
  if (jobs.databasesPerStack !== undefined)
    checkWholeNumber(jobs.databasesPerStack, DATABASES_PER_STACK, `${path}.databasesPerStack`, problems);
  for (const [name, value] of Object.entries(jobs.imageBuildArgs ?? {})) {
    const at = `${path}.imageBuildArgs.${name}`;
    if (!IMAGE_BUILD_ARGS.includes(name)) {
      problems.add(at, value, `is not a build argument of the Dockerfile (one of ${IMAGE_BUILD_ARGS.join(', ')})`);
    } else if (typeof value !== 'string' || value === '') {
      problems.add(at, value, 'must be a non-empty string');
    } else if (name.endsWith('_IMAGE') && value.includes('@') && !/@sha256:[0-9a-f]{64}$/.test(value)) {
      problems.add(at, value, 'must end in a digest @sha256:<64 lower-case hex digits> when it pins one');
    } else if (name === 'RDS_CA_BUNDLE_SHA256' && !/^[0-9a-f]{64}$/.test(value)) {
      problems.add(at, value, 'must be the SHA-256 of the bundle: 64 lower-case hex digits (sha256sum global-bundle.pem)');
    }
  }
}
