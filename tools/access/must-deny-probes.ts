import { dumpKey, latestPointerKey, manifestKey } from '../../src/contract/layout.js';
import { RETENTION_TIER_TAG } from '../../src/contract/retention-tiers.js';
import { type AccessEdge, constructLabel, rolePrincipal } from './access-edge.js';
import { ADMINISTRATOR_ACCESS } from './access-engine.js';
import type { AuthorizationModel, StageResource } from './authorization-model.js';
import { endpointProbes } from './endpoint-probes.js';

/** A backup id as the CLI makes them, for probes that name one backup's objects. */
export const EXAMPLE_BACKUP_ID = '20261125T020000Z-abc123';
/** An AWS account that is not the stage's: its administrators must reach nothing of ours. */
export const OTHER_ACCOUNT = '999999999999';

/** The backup buckets of the stage: the ones with Object Lock (the access-log buckets have none). */
export function backupBuckets(model: AuthorizationModel): StageResource[] {
  return model.ofType('AWS::S3::Bucket').filter((b) => b.properties.ObjectLockEnabled === true);
}

/** The task roles of one database's dump or verify task definition. */
export function taskRole(model: AuthorizationModel, family: string): string {
  const definition = model.ofType('AWS::ECS::TaskDefinition').find((t) => t.properties.Family === family);
  if (!definition) throw new Error(`no task definition ${family} in the stage`);
  return definition.properties.TaskRoleArn as string;
}

const deny = 'deny' as const;

/** A tagging request that would move a backup that already has a tier to a shorter one. */
const retiering = {
  [`s3:ExistingObjectTag/${RETENTION_TIER_TAG}`]: 'monthly',
  [`s3:RequestObjectTag/${RETENTION_TIER_TAG}`]: 'daily',
  's3:RequestObjectTagKeys': [RETENTION_TIER_TAG],
};

/**
 * Requests that must fail, whoever in the stage tries: destroying or loosening the backups, a task
 * reaching another database's backups or writing what its job does not write, anyone outside the
 * account reading anything, a task reaching another account's resources through our VPC endpoints, and
 * requests without TLS or naming another key.
 */
export function mustDenyProbes(model: AuthorizationModel, appName: string): AccessEdge[] {
  const probes: AccessEdge[] = [];
  const buckets = backupBuckets(model);
  const keys = model.ofType('AWS::KMS::Key');
  const databases = model
    .ofType('AWS::ECS::TaskDefinition')
    .map((t) => /^(.*)-dump$/.exec(t.properties.Family as string)?.[1])
    .filter((f): f is string => f !== undefined)
    .map((prefix) => prefix.slice(appName.length + 1));
  const objectOf = (bucket: StageResource, databaseId: string) => `${bucket.arn}/${dumpKey(databaseId, EXAMPLE_BACKUP_ID)}`;

  // Every role of the stage: none may destroy or loosen a backup, a bucket or a key.
  for (const role of model.roles.values()) {
    const who = rolePrincipal(model, role.arn);
    const group = `Destruction, from every role: ${constructLabel(role.resource)}`;
    for (const bucket of buckets) {
      const object = objectOf(bucket, databases[0] ?? 'orders-db');
      for (const action of [
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:PutObjectRetention',
        's3:PutObjectLegalHold',
        's3:BypassGovernanceRetention',
      ]) {
        probes.push({ group, ...who, action, resource: object, expect: deny, why: 'would delete a backup or shorten its lock' });
      }
      probes.push({
        group,
        ...who,
        action: 's3:PutObjectVersionTagging',
        resource: object,
        expect: deny,
        why: "would change a backup version's retention tier",
      });
      probes.push({
        group,
        ...who,
        action: 's3:PutObjectTagging',
        resource: object,
        context: retiering,
        expect: deny,
        why: 'would re-tag a monthly backup daily, expiring it early',
      });
      for (const action of [
        's3:PutBucketPolicy',
        's3:DeleteBucketPolicy',
        's3:PutLifecycleConfiguration',
        's3:PutReplicationConfiguration',
        's3:PutBucketObjectLockConfiguration',
        's3:PutBucketVersioning',
        's3:DeleteBucket',
      ]) {
        probes.push({ group, ...who, action, resource: bucket.arn!, expect: deny, why: 'would loosen the bucket that keeps the backups' });
      }
    }
    for (const key of keys) {
      for (const action of ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy']) {
        probes.push({ group, ...who, action, resource: key.arn!, expect: deny, why: 'would make everything the key encrypts unreadable' });
      }
    }
  }

  // Each task stays in its lane: its own database only, and only what its job writes.
  const primary =
    buckets.find((b) => b.stack.region === model.stacks.find((s) => s.stackName.endsWith('-primary-storage'))?.region) ?? buckets[0]!;
  for (const database of databases) {
    const dump = rolePrincipal(model, taskRole(model, `${appName}-${database}-dump`));
    const verify = rolePrincipal(model, taskRole(model, `${appName}-${database}-verify`));
    const group = `Least privilege between tasks: ${database}`;
    probes.push({
      group,
      ...verify,
      action: 's3:PutObject',
      resource: objectOf(primary, database),
      expect: deny,
      why: 'verify writes only verification records, never a dump',
    });
    probes.push({
      group,
      ...verify,
      action: 's3:PutObject',
      resource: `${primary.arn}/${latestPointerKey(database)}`,
      expect: deny,
      why: 'verify never moves the latest pointer',
    });
    for (const other of databases.filter((d) => d !== database)) {
      for (const [who, action] of [
        [dump, 's3:PutObject'],
        [dump, 's3:GetObject'],
        [verify, 's3:GetObject'],
        [verify, 's3:PutObject'],
      ] as const) {
        probes.push({
          group,
          ...who,
          action,
          resource: `${primary.arn}/${manifestKey(other, EXAMPLE_BACKUP_ID)}`,
          expect: deny,
          why: `${other}'s backups are not ${database}'s`,
        });
      }
      probes.push({
        group,
        ...dump,
        action: 's3:ListBucket',
        resource: primary.arn!,
        context: { 's3:prefix': `databases/${other}/` },
        expect: deny,
        why: `${database}'s task lists only its own prefix`,
      });
    }
    // Tags at upload: only the tier tag, only a tier's value, only on the backup's objects, and only by the dump.
    const tagging = { ...dump, action: 's3:PutObjectTagging', resource: objectOf(primary, database) };
    probes.push({
      group,
      ...tagging,
      context: { [`s3:RequestObjectTag/${RETENTION_TIER_TAG}`]: 'forever', 's3:RequestObjectTagKeys': [RETENTION_TIER_TAG] },
      expect: deny,
      why: 'only daily, weekly or monthly: a tier no lifecycle rule knows would never expire',
    });
    probes.push({
      group,
      ...tagging,
      context: {
        [`s3:RequestObjectTag/${RETENTION_TIER_TAG}`]: 'daily',
        's3:RequestObjectTag/owner': 'me',
        's3:RequestObjectTagKeys': [RETENTION_TIER_TAG, 'owner'],
      },
      expect: deny,
      why: 'the dump sets the tier tag and no other',
    });
    probes.push({
      group,
      ...tagging,
      resource: `${primary.arn}/${latestPointerKey(database)}`,
      context: { [`s3:RequestObjectTag/${RETENTION_TIER_TAG}`]: 'daily', 's3:RequestObjectTagKeys': [RETENTION_TIER_TAG] },
      expect: deny,
      why: 'the pointer has no tier: it must not expire with the daily backups',
    });
    probes.push({
      group,
      ...verify,
      action: 's3:PutObjectTagging',
      resource: objectOf(primary, database),
      context: { [`s3:RequestObjectTag/${RETENTION_TIER_TAG}`]: 'daily', 's3:RequestObjectTagKeys': [RETENTION_TIER_TAG] },
      expect: deny,
      why: 'verify tags nothing',
    });

    // The uploads themselves: TLS only, and only ever with the backup key.
    const upload = { ...dump, action: 's3:PutObject', resource: objectOf(primary, database) };
    probes.push({
      group,
      ...upload,
      context: { 'aws:SecureTransport': 'false' },
      expect: deny,
      why: 'the bucket refuses requests without TLS',
    });
    probes.push({
      group,
      ...upload,
      context: {
        's3:x-amz-server-side-encryption': 'aws:kms',
        's3:x-amz-server-side-encryption-aws-kms-key-id': `arn:aws:kms:${primary.stack.region}:${OTHER_ACCOUNT}:key/attacker`,
      },
      expect: deny,
      why: 'an upload naming another key (one someone else controls) is refused',
    });
    probes.push({
      group,
      ...upload,
      context: { 's3:x-amz-server-side-encryption': 'AES256' },
      expect: deny,
      why: 'an upload without SSE-KMS is refused',
    });
  }
  for (const fn of model.ofType('AWS::Lambda::Function').filter((f) => f.properties.Environment)) {
    const who = rolePrincipal(model, fn.properties.Role as string);
    for (const database of databases) {
      probes.push({
        group: 'Least privilege: the freshness check',
        ...who,
        action: 's3:GetObject',
        resource: objectOf(primary, database),
        expect: deny,
        why: 'the check reads the pointer documents, never a dump',
      });
    }
    // The replica (the vault's bucket): the check lists the backups' keys there, and reads nothing.
    for (const replica of buckets.filter((b) => b !== primary && b.ref.startsWith(`${appName}-backups-`))) {
      const database = databases[0] ?? 'orders-db';
      const replicaKey = keys.find((k) => k.stack === replica.stack && k.logicalId.startsWith('BackupKey'));
      const group = 'Least privilege: the freshness check and the replica';
      for (const action of ['s3:GetObject', 's3:GetObjectVersion']) {
        probes.push({
          group,
          ...who,
          action,
          resource: objectOf(replica, database),
          expect: deny,
          why: 'the check sees that a copy exists, never its content',
        });
      }
      probes.push({
        group,
        ...who,
        action: 's3:GetObject',
        resource: `${replica.arn}/${latestPointerKey(database)}`,
        expect: deny,
        why: 'not even the pointer documents of the replica: sizes in a listing are enough',
      });
      probes.push({
        group,
        ...who,
        action: 's3:ListBucket',
        resource: replica.arn!,
        context: { 's3:prefix': 'databases/' },
        expect: deny,
        why: "only the listed databases' backups prefixes",
      });
      if (replicaKey) {
        probes.push({
          group,
          ...who,
          action: 'kms:Decrypt',
          resource: replicaKey.arn!,
          context: { 'kms:ViaService': `s3.${replica.stack.region}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': replica.arn! },
          expect: deny,
          why: 'no use of the replica key',
        });
      }
    }
  }

  // The task and execution roles are ECS's to assume only for this account's tasks in this region (confused deputy).
  for (const definition of model.ofType('AWS::ECS::TaskDefinition')) {
    const { account, region } = definition.stack;
    const family = definition.properties.Family as string;
    for (const roleArn of [definition.properties.TaskRoleArn, definition.properties.ExecutionRoleArn].filter(Boolean) as string[]) {
      for (const [sourceAccount, sourceRegion, who] of [
        [OTHER_ACCOUNT, region, `a task of account ${OTHER_ACCOUNT}`],
        [account, 'us-east-1', 'a task of this account in another region'],
      ] as const) {
        probes.push({
          group: 'ECS tasks elsewhere -> our task and execution roles',
          principal: { service: 'ecs-tasks.amazonaws.com' },
          principalLabel: `ecs-tasks.amazonaws.com (${who})`,
          action: 'sts:AssumeRole',
          resource: roleArn,
          context: {
            'aws:SourceAccount': sourceAccount,
            'aws:SourceArn': `arn:aws:ecs:${sourceRegion}:${sourceAccount}:task/${family}/0123456789abcdef0123456789abcdef`,
          },
          expect: deny,
          why: `${who} would run with ${family}'s role`,
        });
      }
    }
  }

  // Nothing out through our VPC endpoints: no task reaches another account's resources.
  probes.push(...endpointProbes(model));

  // Nobody outside the account: anonymous, or another account's administrator.
  const outsiders = [
    { principal: { anonymous: true } as const, principalLabel: 'anonymous' },
    {
      principal: { arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/Admin`, policies: [ADMINISTRATOR_ACCESS] },
      principalLabel: `admin of account ${OTHER_ACCOUNT}`,
    },
  ];
  for (const outsider of outsiders) {
    const group = `Outside the account: ${outsider.principalLabel}`;
    for (const bucket of model.ofType('AWS::S3::Bucket')) {
      probes.push({ group, ...outsider, action: 's3:ListBucket', resource: bucket.arn!, expect: deny, why: 'lists what we keep' });
      probes.push({
        group,
        ...outsider,
        action: 's3:GetObject',
        resource: `${bucket.arn}/${dumpKey(databases[0] ?? 'orders-db', EXAMPLE_BACKUP_ID)}`,
        expect: deny,
        why: 'reads a backup',
      });
    }
    for (const key of keys) {
      probes.push({ group, ...outsider, action: 'kms:Decrypt', resource: key.arn!, expect: deny, why: 'decrypts what the key protects' });
    }
    for (const topic of model.ofType('AWS::SNS::Topic')) {
      probes.push({ group, ...outsider, action: 'sns:Publish', resource: topic.arn!, expect: deny, why: 'posts a fake alert to on-call' });
    }
  }

  // Inside the account too: only the publisher roles (lib/alerts/alert-publishers.ts) and the stage's alarms may
  // post to an alert topic. An administrator or the root user could otherwise send on-call a fake alert that
  // carries a command to run. (The tasks cannot reach SNS at all: their VPC has no SNS endpoint and no NAT.)
  for (const topic of model.ofType('AWS::SNS::Topic')) {
    const account = topic.stack.account;
    const group = `Fake alerts: ${topic.arn}`;
    const insiders = [
      {
        principal: { arn: `arn:aws:iam::${account}:role/Admin`, policies: [ADMINISTRATOR_ACCESS] },
        principalLabel: `an administrator of ${account}`,
      },
      {
        principal: { arn: `arn:aws:iam::${account}:root`, policies: [ADMINISTRATOR_ACCESS] },
        principalLabel: `the root user of ${account}`,
      },
    ];
    for (const insider of insiders) {
      probes.push({ group, ...insider, action: 'sns:Publish', resource: topic.arn!, expect: deny, why: 'posts a fake alert to on-call' });
    }
  }
  return probes;
}

/** The accounts of the stage: the main account and, with a vault, the vault account. */
function stageAccounts(model: AuthorizationModel): string[] {
  return [...new Set(model.stacks.map((s) => s.account))];
}

/**
 * No single principal can destroy or silently corrupt the backups: neither an administrator nor the root user
 * of any account of the stage may end a key, loosen a bucket, delete or unlock a version, or overwrite a backup;
 * the main account's administrators cannot reach the vault at all. Only the break-glass role and CloudFormation's
 * execution role are exempt (edges that must be allowed, listed with the exemption).
 */
export function blastRadiusEdges(model: AuthorizationModel, breakGlassRoleName: string): AccessEdge[] {
  const edges: AccessEdge[] = [];
  const buckets = backupBuckets(model);
  const keys = model.ofType('AWS::KMS::Key');
  const admin = (account: string, who: string) => ({ arn: `arn:aws:iam::${account}:${who}`, policies: [ADMINISTRATOR_ACCESS] });
  for (const account of stageAccounts(model)) {
    const own = {
      buckets: buckets.filter((b) => b.stack.account === account),
      keys: keys.filter((k) => k.stack.account === account),
    };
    const attempts = (
      principal: ReturnType<typeof admin>,
      principalLabel: string,
      group: string,
      expect: 'allow' | 'deny',
      why: string,
    ) => {
      for (const key of own.keys) {
        for (const action of ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy', 'kms:UpdateAlias', 'kms:DeleteAlias']) {
          edges.push({ group, principal, principalLabel, action, resource: key.arn!, expect, why });
        }
        if (expect === 'deny') {
          edges.push({
            group,
            principal,
            principalLabel,
            action: 'kms:CreateGrant',
            resource: key.arn!,
            context: { 'kms:GrantIsForAWSResource': 'false' },
            expect,
            why: 'a grant is a second, quieter key policy',
          });
        }
      }
      for (const bucket of own.buckets) {
        const object = `${bucket.arn}/${dumpKey('orders-db', EXAMPLE_BACKUP_ID)}`;
        for (const action of [
          's3:DeleteObjectVersion',
          's3:BypassGovernanceRetention',
          's3:PutObjectRetention',
          's3:PutObjectVersionTagging',
        ]) {
          edges.push({ group, principal, principalLabel, action, resource: object, expect, why });
        }
        edges.push({ group, principal, principalLabel, action: 's3:PutObjectTagging', resource: object, context: retiering, expect, why });
        for (const action of [
          's3:PutBucketPolicy',
          's3:PutLifecycleConfiguration',
          's3:PutReplicationConfiguration',
          's3:PutBucketObjectLockConfiguration',
          's3:PutBucketVersioning',
        ]) {
          edges.push({ group, principal, principalLabel, action, resource: bucket.arn!, expect, why });
        }
      }
    };
    const destruction = "would end a key, loosen a bucket, delete or unlock a backup, or shorten a backup's retention tier";
    attempts(
      admin(account, 'role/Administrator'),
      `admin of account ${account}`,
      `Blast radius: an administrator of account ${account}`,
      'deny',
      destruction,
    );
    attempts(
      admin(account, 'root'),
      `root user of account ${account}`,
      `Blast radius: the root user of account ${account}`,
      'deny',
      destruction,
    );
    attempts(
      admin(account, `role/${breakGlassRoleName}`),
      `break-glass role of account ${account}`,
      `Exemptions: the break-glass role of account ${account}`,
      'allow',
      'the one way in, for a reviewed emergency (Object Lock in COMPLIANCE mode still keeps every locked version)',
    );
    // History is create-only, for administrators too.
    for (const bucket of own.buckets) {
      const group = `Blast radius: an administrator of account ${account}`;
      const who = { principal: admin(account, 'role/Administrator'), principalLabel: `admin of account ${account}` };
      edges.push({
        group,
        ...who,
        action: 's3:PutObject',
        resource: `${bucket.arn}/${manifestKey('orders-db', EXAMPLE_BACKUP_ID)}`,
        context: { 's3:ObjectCreationOperation': 'true' },
        expect: 'deny',
        why: 'an overwrite of an existing backup (a write without If-None-Match) would replicate and expire the original',
      });
      edges.push({
        group,
        ...who,
        action: 's3:PutObject',
        resource: `${bucket.arn}/${latestPointerKey('orders-db')}`,
        context: { 's3:ObjectCreationOperation': 'true' },
        expect: 'deny',
        why: 'a pointer written without If-Match could drop history entries',
      });
    }
  }
  // The main account's administrators reach nothing in the vault.
  const main = model.mainAccount;
  for (const bucket of buckets.filter((b) => b.stack.account !== main)) {
    for (const action of ['s3:GetObject', 's3:DeleteObjectVersion', 's3:PutObject']) {
      edges.push({
        group: `Blast radius: the main account's administrators and the vault`,
        principal: admin(main, 'role/Administrator'),
        principalLabel: `admin of account ${main}`,
        action,
        resource: `${bucket.arn}/${dumpKey('orders-db', EXAMPLE_BACKUP_ID)}`,
        context: action === 's3:PutObject' ? { 's3:ObjectCreationOperation': 'true', 's3:if-none-match': '*' } : {},
        expect: 'deny',
        why: "the vault is out of the main account's reach",
      });
    }
  }
  for (const key of keys.filter((k) => k.stack.account !== main)) {
    for (const action of ['kms:Decrypt', 'kms:ScheduleKeyDeletion']) {
      edges.push({
        group: `Blast radius: the main account's administrators and the vault`,
        principal: admin(main, 'role/Administrator'),
        principalLabel: `admin of account ${main}`,
        action,
        resource: key.arn!,
        expect: 'deny',
        why: "the vault is out of the main account's reach",
      });
    }
  }
  return edges;
}
