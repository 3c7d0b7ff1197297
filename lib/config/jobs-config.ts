import type { ConfigProblems } from './problems.js';

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

export const JOBS_DEFAULTS = { cpuArchitecture: 'ARM64', logRetentionDays: 365, retryAttempts: 3 } as const satisfies Required<JobsConfig>;

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export function resolveJobsConfig(jobs: JobsConfig = {}): Required<JobsConfig> {
  return { ...JOBS_DEFAULTS, ...Object.fromEntries(Object.entries(jobs).filter(([, v]) => v !== undefined)) };
}

/** Records every problem of the `jobs` section; `path` is its field path, like `jobs`. */
export function validateJobsConfig(jobs: JobsConfig | undefined, path: string, problems: ConfigProblems): void {
  if (jobs === undefined) return;
  if (jobs.cpuArchitecture !== undefined && !CPU_ARCHITECTURES.includes(jobs.cpuArchitecture)) {
    problems.add(`${path}.cpuArchitecture`, jobs.cpuArchitecture, `must be one of ${CPU_ARCHITECTURES.join(', ')}`);
  }
  if (jobs.logRetentionDays !== undefined && !LOG_RETENTION_DAYS.includes(jobs.logRetentionDays)) {
    problems.add(`${path}.logRetentionDays`, jobs.logRetentionDays, `must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  if (jobs.retryAttempts !== undefined && !(Number.isInteger(jobs.retryAttempts) && jobs.retryAttempts >= 0 && jobs.retryAttempts <= 185)) {
    problems.add(`${path}.retryAttempts`, jobs.retryAttempts, "must be a whole number from 0 to 185 (EventBridge Scheduler's range)");
  }
}
