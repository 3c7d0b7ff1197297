import type { AlertsConfig } from './alerts-config.js';
import type { DatabaseConfig } from './database-config.js';
import type { JobsConfig } from './jobs-config.js';
import type { MonitoringConfig } from './monitoring-config.js';
import type { NetworkConfig } from './network-config.js';
import type { StorageConfig } from './storage-config.js';

/**
 * Everything one deployment stage needs. bin/app.ts picks a stage from config/stages/, validates it
 * (all problems at once) and builds the stacks from it. Constructs never read process.env.
 *
 * Each section has its own file with its type, defaults and validation.
 */
export interface AppConfig {
  /** Prefix of stack names and a tag on every resource. Lower-case letters, digits and hyphens. */
  readonly appName: string;
  /** 12-digit AWS account id. */
  readonly account: string;
  /** Region of the databases, the primary bucket and the jobs. */
  readonly primaryRegion: string;
  /** Region of the replica bucket; must differ from `primaryRegion`. */
  readonly replicaRegion: string;
  readonly storage: StorageConfig;
  readonly alerts: AlertsConfig;
  /** One entry per database to back up; ids are unique. */
  readonly databases: readonly DatabaseConfig[];
  /**
   * Where the dump and verify tasks run.
   * @default - a new VPC with the endpoints the tasks need and no NAT gateway
   */
  readonly network?: NetworkConfig;
  /**
   * CPU architecture, log retention and retries of the dump and verify tasks.
   * @default - ARM64, logs kept 365 days, 3 retries (lib/config/jobs-config.ts)
   */
  readonly jobs?: JobsConfig;
  /** @default - the limits in monitoring-config.ts */
  readonly monitoring?: MonitoringConfig;
}
