import type { AccessConfig } from './access-config.js';
import type { AlertsConfig } from './alerts-config.js';
import type { DatabaseConfig } from './database-config.js';
import type { JobsConfig } from './jobs-config.js';
import type { MonitoringConfig } from './monitoring-config.js';
import type { NetworkConfig } from './network-config.js';
import type { ProtectionAcknowledgements, ProtectionConfig, VaultConfig } from './protection-config.js';
import type { ReplicationConfig } from './replication-config.js';
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
  /**
   * Whether this stage keeps production backups: then the replica must be in a vault account and Object Lock
   * must be COMPLIANCE for at least 90 days and the retention, unless `acknowledgements` says why not.
   * @default false
   */
  readonly production?: boolean;
  /**
   * The account (and region) of the replica bucket and its key, apart from the main account.
   * @default - the replica stays in the main account, in `replicaRegion` (trials only: validation says what it gives up)
   */
  readonly vault?: VaultConfig;
  /**
   * Region of the replica bucket when there is no `vault`; must differ from `primaryRegion`.
   * @default - `vault.region`
   */
  readonly replicaRegion?: string;
  /** Who may still change keys, locks and bucket policies (the break-glass role). */
  readonly protection: ProtectionConfig;
  /**
   * Reasons for protection weaker than a production stage requires.
   * @default - none: a production stage must meet every rule
   */
  readonly acknowledgements?: ProtectionAcknowledgements;
  readonly storage: StorageConfig;
  /** @default - copies watched with a 3 h lag limit, no Replication Time Control (lib/config/replication-config.ts) */
  readonly replication?: ReplicationConfig;
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
  /**
   * Who may assume the viewer and restorer roles (lib/access/operator-roles.ts).
   * @default - neither role is created
   */
  readonly access?: AccessConfig;
}
