import { restorerRoleName, viewerRoleName } from '../../lib/config/access-config.js';
import type { AppConfig } from '../../lib/config/app-config.js';
import {
  dumpKey,
  globalsKey,
  latestPointerKey,
  manifestKey,
  restoreRecordKey,
  safetyDumpKey,
  safetyManifestKey,
  verificationKey,
} from '../../src/contract/layout.js';
import type { AccessEdge } from './access-edge.js';
import { rolePrincipal } from './access-edge.js';
import type { AuthorizationModel, StageResource } from './authorization-model.js';
import { backupBuckets, EXAMPLE_BACKUP_ID } from './must-deny-probes.js';
import type { PolicyDocument } from './policy-document.js';

/** A time in the keys the probes name. */
const AT = new Date('2026-11-25T03:00:00.000Z');
const SAFETY_ID = '20261125T030000Z';

/** The role of the stage named `roleName`, or an error naming the ones there are. */
export function operatorRole(model: AuthorizationModel, roleName: string): StageResource {
  const role = model.ofType('AWS::IAM::Role').find((r) => r.properties.RoleName === roleName);
  if (!role) throw new Error(`no role ${roleName} in the stage (access in tools/access/proof-stage.ts)`);
  return role;
}

/** Someone of the account whose own policy lets them assume any role: the trust policy alone must decide. */
function person(arn: string): { arn: string; policies: PolicyDocument[] } {
  return { arn, policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }] };
}

/**
 * The roles people assume (lib/access/operator-roles.ts): who may assume them (with MFA for a restorer), what the
 * viewer may open besides the CLI's calls (the dashboards), and what each must never do: a viewer reading or
 * decrypting a backup, a restorer reaching another database, either writing over history. Deleting is probed for
 * every role of the stage by mustDenyProbes.
 */
export function operatorEdges(model: AuthorizationModel, config: AppConfig): AccessEdge[] {
  const edges: AccessEdge[] = [];
  const access = config.access ?? {};
  const stranger = `arn:aws:iam::${config.account}:role/someone-else`;
  const primary = backupBuckets(model).find((b) => b.stack.account === config.account && b.stack.region === config.primaryRegion)!;
  const object = (key: string) => `${primary.arn}/${key}`;
  const key = model.ofType('AWS::KMS::Key').find((k) => k.stack === primary.stack && k.logicalId.startsWith('BackupKey'))!;
  const viaS3 = (objectArn: string) => ({
    'kms:ViaService': `s3.${primary.stack.region}.amazonaws.com`,
    'kms:EncryptionContext:aws:s3:arn': objectArn,
  });
  const deny = 'deny' as const;
  const allow = 'allow' as const;

  if (access.viewers?.length) {
    const role = operatorRole(model, viewerRoleName(config.appName));
    const group = 'Operators: who may assume the viewer role';
    for (const arn of access.viewers) {
      edges.push({
        group,
        principal: person(arn),
        principalLabel: arn,
        action: 'sts:AssumeRole',
        resource: role.arn!,
        expect: allow,
        why: 'a configured viewer',
      });
    }
    edges.push({
      group: 'Operators: must not',
      principal: person(stranger),
      principalLabel: `${stranger} (not configured)`,
      action: 'sts:AssumeRole',
      resource: role.arn!,
      expect: deny,
      why: 'only the configured viewers may look',
    });
    const viewer = rolePrincipal(model, role.arn!);
    for (const dashboard of model.ofType('AWS::CloudWatch::Dashboard')) {
      edges.push({
        group: 'Operators: the viewer opens the dashboards',
        ...viewer,
        action: 'cloudwatch:GetDashboard',
        resource: `arn:aws:cloudwatch::${dashboard.stack.account}:dashboard/${dashboard.ref}`,
        expect: allow,
        why: 'the freshness dashboard',
      });
    }
    const database = config.databases[0]!.id;
    const mustNot = (action: string, resource: string, why: string, context?: Record<string, string>) =>
      edges.push({ group: 'Operators: must not', ...viewer, action, resource, ...(context ? { context } : {}), expect: deny, why });
    mustNot('s3:GetObject', object(dumpKey(database, EXAMPLE_BACKUP_ID)), 'a viewer reads the catalog, never a dump');
    mustNot('s3:GetObject', object(globalsKey(database, EXAMPLE_BACKUP_ID)), 'nor the roles of a backup');
    mustNot('s3:GetObject', object(safetyDumpKey(database, SAFETY_ID)), 'nor a safety dump');
    mustNot('kms:Decrypt', key.arn!, 'a viewer decrypts nothing outside S3');
    mustNot(
      'kms:Decrypt',
      key.arn!,
      'nor, through S3, a dump written without a Bucket Key',
      viaS3(object(dumpKey(database, EXAMPLE_BACKUP_ID))),
    );
    mustNot('s3:PutObject', object(restoreRecordKey(database, AT)), 'a viewer writes nothing', {
      's3:ObjectCreationOperation': 'true',
      's3:if-none-match': '*',
    });
    mustNot('s3:RestoreObject', object(dumpKey(database, EXAMPLE_BACKUP_ID)), 'a viewer starts no (billed) archive retrieval');
  }

  for (const restorer of access.restorers ?? []) {
    const role = operatorRole(model, restorerRoleName(config.appName, restorer.name));
    const group = `Operators: who may assume restorer ${restorer.name}`;
    const mfa = (present: boolean) => ({ 'aws:MultiFactorAuthPresent': String(present) });
    for (const arn of restorer.principals) {
      edges.push({
        group,
        principal: person(arn),
        principalLabel: `${arn} with MFA`,
        action: 'sts:AssumeRole',
        resource: role.arn!,
        context: mfa(true),
        expect: allow,
        why: 'a configured restorer',
      });
      edges.push({
        group: 'Operators: must not',
        principal: person(arn),
        principalLabel: `${arn} without MFA`,
        action: 'sts:AssumeRole',
        resource: role.arn!,
        context: mfa(false),
        expect: deny,
        why: 'restoring needs MFA',
      });
    }
    edges.push({
      group: 'Operators: must not',
      principal: person(stranger),
      principalLabel: `${stranger} with MFA (not configured)`,
      action: 'sts:AssumeRole',
      resource: role.arn!,
      context: mfa(true),
      expect: deny,
      why: `only the configured principals restore ${restorer.databases.join(', ')}`,
    });
    const who = rolePrincipal(model, role.arn!);
    const mustNot = (action: string, resource: string, why: string, context?: Record<string, string>) =>
      edges.push({ group: 'Operators: must not', ...who, action, resource, ...(context ? { context } : {}), expect: deny, why });
    for (const other of config.databases.map((d) => d.id).filter((id) => !restorer.databases.includes(id))) {
      const why = `restorer ${restorer.name} restores ${restorer.databases.join(', ')}, not ${other}`;
      mustNot('s3:GetObject', object(dumpKey(other, EXAMPLE_BACKUP_ID)), why);
      mustNot('s3:GetObject', object(manifestKey(other, EXAMPLE_BACKUP_ID)), why);
      mustNot('s3:RestoreObject', object(dumpKey(other, EXAMPLE_BACKUP_ID)), why);
      mustNot('s3:PutObject', object(restoreRecordKey(other, AT)), why, { 's3:ObjectCreationOperation': 'true', 's3:if-none-match': '*' });
      mustNot('s3:ListBucket', primary.arn!, why, { 's3:prefix': `databases/${other}/` });
      mustNot(
        'kms:Decrypt',
        key.arn!,
        `${why} (through S3, an object without a Bucket Key)`,
        viaS3(object(dumpKey(other, EXAMPLE_BACKUP_ID))),
      );
    }
    const own = restorer.databases[0]!;
    const create = { 's3:ObjectCreationOperation': 'true', 's3:if-none-match': '*' };
    mustNot('s3:PutObject', object(dumpKey(own, EXAMPLE_BACKUP_ID)), 'a restorer writes no backup: only the dump task does', create);
    mustNot('s3:PutObject', object(manifestKey(own, EXAMPLE_BACKUP_ID)), 'nor a manifest of one', create);
    mustNot('s3:PutObject', object(latestPointerKey(own)), 'nor moves the latest pointer', {
      's3:ObjectCreationOperation': 'true',
      's3:if-match': '"etag"',
    });
    mustNot(
      's3:PutObject',
      object(safetyManifestKey(own, SAFETY_ID)),
      'a safety dump or record is never overwritten (the bucket refuses a write without If-None-Match)',
      {
        's3:ObjectCreationOperation': 'true',
      },
    );
    mustNot('s3:PutObject', object(verificationKey(own, EXAMPLE_BACKUP_ID, AT)), 'nor a verification record', {
      's3:ObjectCreationOperation': 'true',
    });
    mustNot('kms:Decrypt', key.arn!, 'a restorer decrypts only through S3');
  }
  return edges;
}
