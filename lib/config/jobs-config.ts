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
  /**
   * Build arguments of the tasks' image (the Dockerfile's ARGs), passed on `cdk deploy`: pin the base
   * images by digest (`POSTGRES_IMAGE`, `NODE_IMAGE`, like `postgres:17-bookworm@sha256:<64 hex>`) and the
   * RDS CA bundle by checksum (`RDS_CA_BUNDLE_SHA256`); also `PG_MAJOR`, `NODE_MAJOR`, `RDS_CA_BUNDLE_URL`.
   * @default - none: the Dockerfile's floating tags, the bundle unpinned
   */
  readonly imageBuildArgs?: Readonly<Record<string, string>>;
}

export const JOBS_DEFAULTS = {
  cpuArchitecture: 'ARM64',
  logRetentionDays: 365,
  retryAttempts: 3,
  imageBuildArgs: {},
} as const satisfies Required<JobsConfig>;

/** The ARGs the Dockerfile declares. */
export const IMAGE_BUILD_ARGS: readonly string[] = [
  'POSTGRES_IMAGE',
  'NODE_IMAGE',
  'PG_MAJOR',
  'NODE_MAJOR',
  'RDS_CA_BUNDLE_URL',
  'RDS_CA_BUNDLE_SHA256',
];

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
