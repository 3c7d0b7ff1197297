import { AWS_COMMERCIAL_REGIONS } from './aws-regions.js';
import { ID_RULES } from './id-rules.js';
import type { ConfigProblems } from './problems.js';
import type { ObjectLockConfig } from './storage-config.js';
import { checkText, type TextRule } from './toolkit.js';

/**
 * The vault: a second AWS account that holds the replica bucket and its key. Nobody in the main account,
 * not even its root user, can delete, re-key or loosen what is there.
 */
export interface VaultConfig {
  /** 12-digit id of the vault account; must differ from the main account. */
  readonly account: string;
  /** Region of the replica bucket; must differ from `primaryRegion`. */
  readonly region: string;
  /**
   * ARN of the replica key, an output of the vault stack (`ReplicaKeyArn`) after its first deploy. Replication
   * then names the key by ARN, which nobody can point elsewhere.
   * @default - replication names the key by its alias until this is set (the first deploy); a production stage requires it
   */
  readonly replicaKeyArn?: string;
}

/** Who may still change keys, locks and bucket policies. */
export interface ProtectionConfig {
  /**
   * Name of the break-glass IAM role, the same name in the main and the vault account: with CloudFormation's
   * execution role (so deploys keep working), the only principal key and bucket policies let schedule a key's
   * deletion, disable it, change its policy, aliases or grants, bypass governance retention, delete object
   * versions, or change a bucket's policy, lifecycle, replication, Object Lock or versioning.
   * Guard it: MFA in its trust policy, no standing sessions, an alert on every use.
   */
  readonly breakGlassRoleName: string;
}

/** Reasons a stage gives for weaker protection than production requires. */
export interface ProtectionAcknowledgements {
  /** Why a production stage keeps its replica in the main account (no `vault`). */
  readonly sameAccountReplica?: string;
  /** Why a production stage's Object Lock is GOVERNANCE, or shorter than 90 days or than the retention. */
  readonly weakerObjectLock?: string;
}

/** Where the second copy lives: the vault account, or (for trials) the main account in another region. */
export interface ReplicaLocation {
  readonly account: string;
  readonly region: string;
  /** True when `account` is a vault account other than the main one. */
  readonly isVault: boolean;
  readonly replicaKeyArn?: string;
}

/** A production stage's Object Lock is COMPLIANCE for at least this long (and at least the retention). */
export const PRODUCTION_MIN_LOCK_DAYS = 90;
const MIN_REASON_LENGTH = 20;

export const IAM_ROLE_NAME: TextRule = {
  pattern: /^[\w+=,.@-]{1,64}$/,
  requirement: 'must be an IAM role name (1 to 64 letters, digits and +=,.@_-)',
};

/** The replica's account and region from `vault` or, for a same-account stage, `replicaRegion`. */
export function replicaLocation(config: {
  readonly account: string;
  readonly replicaRegion?: string;
  readonly vault?: VaultConfig;
}): ReplicaLocation {
  if (config.vault) {
    return {
      account: config.vault.account,
      region: config.vault.region,
      isVault: true,
      ...(config.vault.replicaKeyArn ? { replicaKeyArn: config.vault.replicaKeyArn } : {}),
    };
  }
  return { account: config.account, region: config.replicaRegion ?? '', isVault: false };
}

/** What keeping the replica in the main account gives up. */
const SAME_ACCOUNT_COST =
  'an administrator (or the root user) of this account can reach both copies, and one compromised account loses the backups and their alerts together';

/** Said at every synth of a same-account stage (lib/pg-backup-app.ts). */
export const SAME_ACCOUNT_REPLICA_WARNING = `the replica is in the main account: ${SAME_ACCOUNT_COST}. Set \`vault: { account, region }\` to keep it in an account of its own.`;

interface ProtectionFields {
  readonly account: string;
  readonly primaryRegion: string;
  readonly replicaRegion?: string;
  readonly vault?: VaultConfig;
  readonly protection?: ProtectionConfig;
  readonly production?: boolean;
  readonly acknowledgements?: ProtectionAcknowledgements;
}

/** Records every problem of where the replica is: `vault`, or `replicaRegion` for a same-account stage. */
export function validateReplicaLocation(config: ProtectionFields, problems: ConfigProblems): void {
  const { vault } = config;
  if (vault === undefined) {
    if (config.replicaRegion === undefined) {
      problems.add('replicaRegion', undefined, 'is required when no `vault` is given (the region of the second copy)');
    }
  } else {
    if (checkText(vault.account, ID_RULES.account, 'vault.account', problems) && vault.account === config.account) {
      problems.add('vault.account', vault.account, 'must differ from `account`: a vault in the main account protects nothing more');
    }
    if (!AWS_COMMERCIAL_REGIONS.includes(vault.region)) {
      problems.add('vault.region', vault.region, 'must be an AWS commercial region like eu-central-1 (see lib/config/aws-regions.ts)');
    }
    if (config.replicaRegion !== undefined && config.replicaRegion !== vault.region) {
      problems.add('replicaRegion', config.replicaRegion, `must equal vault.region ('${vault.region}') or be left out`);
    }
    if (vault.replicaKeyArn !== undefined) {
      const inVault = `:kms:${vault.region}:${vault.account}:key/`;
      if (checkText(vault.replicaKeyArn, ID_RULES.kmsKeyArn, 'vault.replicaKeyArn', problems) && !vault.replicaKeyArn.includes(inVault)) {
        problems.add('vault.replicaKeyArn', vault.replicaKeyArn, `must be a key of the vault account in its region (…${inVault}…)`);
      }
    }
  }
  const region = vault?.region ?? config.replicaRegion;
  if (region !== undefined && region === config.primaryRegion) {
    problems.add(
      vault ? 'vault.region' : 'replicaRegion',
      region,
      'must differ from primaryRegion (a replica in the same region survives no regional outage)',
    );
  }
}

/**
 * Records every problem of the protection settings, and of a production stage that is weaker than production
 * requires without saying why.
 */
export function validateProtection(
  config: ProtectionFields,
  objectLock: ObjectLockConfig,
  retentionDays: number,
  problems: ConfigProblems,
  scope: { readonly vaultFirst?: boolean } = {},
): void {
  const { vault } = config;

  if (config.protection === undefined) {
    problems.add(
      'protection',
      undefined,
      'is required: `{ breakGlassRoleName }`, the only role besides CloudFormation that may change keys, locks and bucket policies',
    );
  } else {
    checkText(config.protection.breakGlassRoleName, IAM_ROLE_NAME, 'protection.breakGlassRoleName', problems);
  }

  const acknowledged = config.acknowledgements ?? {};
  for (const [name, reason] of Object.entries(acknowledged)) {
    if (typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH) {
      problems.add(`acknowledgements.${name}`, reason, `must be a reason a reviewer can accept (at least ${MIN_REASON_LENGTH} characters)`);
    }
  }
  if (config.production !== true) return;
  if (vault === undefined && acknowledged.sameAccountReplica === undefined) {
    problems.add(
      'vault',
      undefined,
      `is required for a production stage (without it ${SAME_ACCOUNT_COST}), or give the reason in acknowledgements.sameAccountReplica`,
    );
  }
  if (vault !== undefined && vault.replicaKeyArn === undefined && scope.vaultFirst !== true) {
    problems.add(
      'vault.replicaKeyArn',
      undefined,
      'is required for a production stage: deploy the vault stack first (`cdk deploy -c vaultFirst=true <app>-replica-storage`), then copy its ReplicaKeyArn output here, so replication names the key by ARN, not by an alias',
    );
  }
  if (acknowledged.weakerObjectLock === undefined) {
    const minimum = Math.max(PRODUCTION_MIN_LOCK_DAYS, retentionDays);
    if (objectLock.mode !== 'COMPLIANCE') {
      problems.add(
        'storage.objectLock.mode',
        objectLock.mode,
        'must be COMPLIANCE for a production stage (GOVERNANCE locks can be lifted by anyone allowed s3:BypassGovernanceRetention), or give the reason in acknowledgements.weakerObjectLock',
      );
    }
    if (objectLock.days < minimum) {
      problems.add(
        'storage.objectLock.days',
        objectLock.days,
        `must be at least ${minimum} for a production stage (${PRODUCTION_MIN_LOCK_DAYS} days, and no shorter than the retention of ${retentionDays} days, so no backup is ever unlocked before it expires), or give the reason in acknowledgements.weakerObjectLock`,
      );
    }
  }
}
