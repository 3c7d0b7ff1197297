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
}

/** JobsConfig with every default applied, in the types the constructs take. */
export interface ResolvedJobsConfig {
  readonly cpuArchitecture: CpuArchitecture;
  /** Of the tasks' log groups and the new VPC's flow logs. */
  readonly logRetention: logs.RetentionDays;
  readonly retryAttempts: number;
}

export const JOBS_DEFAULTS = { cpuArchitecture: 'ARM64', logRetentionDays: 365, retryAttempts: 3 } as const satisfies Required<JobsConfig>;

/** EventBridge Scheduler's range of retry attempts. */
const RETRY_ATTEMPTS = { min: 0, max: 185, reason: "EventBridge Scheduler's range" } as const;

/** Defaults applied; call only on a configuration that passed validateJobsConfig. */
export function resolveJobsConfig(jobs?: JobsConfig): ResolvedJobsConfig {
  const { cpuArchitecture, logRetentionDays, retryAttempts } = withDefaults<JobsConfig>(JOBS_DEFAULTS, jobs);
  return { cpuArchitecture, logRetention: logRetention(logRetentionDays), retryAttempts };
}

/** Records every problem of the `jobs` section; `path` is its field path, like `jobs`. */
export function validateJobsConfig(jobs: JobsConfig | undefined, path: string, problems: ConfigProblems): void {
  if (jobs === undefined) return;
  if (jobs.cpuArchitecture !== undefined) checkOneOf(jobs.cpuArchitecture, CPU_ARCHITECTURES, `${path}.cpuArchitecture`, problems);
  if (jobs.logRetentionDays !== undefined) checkLogRetentionDays(jobs.logRetentionDays, `${path}.logRetentionDays`, problems);
  if (jobs.retryAttempts !== undefined) checkWholeNumber(jobs.retryAttempts, RETRY_ATTEMPTS, `${path}.retryAttempts`, problems);
}
