import { type CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { grantPatterns } from '../../src/contract/layout.js';
import type { AlertTopic } from '../alerts/alert-topic.js';
import { type AccessConfig, restorerRoleName, viewerRoleName } from '../config/access-config.js';
import type { BackupAccess } from '../storage/backup-access.js';

export interface OperatorRolesProps {
  /** Prefix of the role names (`<appName>-viewer`, `<appName>-restorer-<name>`). */
  readonly appName: string;
  /** Who may assume which role. */
  readonly access: AccessConfig;
  /** The primary bucket and its key, granted through BackupAccess. */
  readonly backups: BackupAccess;
  /** The alert topic a restore notifies. */
  readonly alerts: AlertTopic;
}

/** MFA on the session that assumes the role: an IAM user's AssumeRole with its MFA code, or a session from GetSessionToken with MFA. */
const WITH_MFA = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } };

/**
 * The roles people assume, named so they can be put in a profile (`role_arn`):
 *
 * - `<appName>-viewer`: `pg-backup list` and `status` on every database, the dashboards. Reads the catalog (pointers,
 *   manifests, verification and restore records), never a dump; decrypts only through S3.
 * - `<appName>-restorer-<name>`, one per `access.restorers` entry, MFA required: reads and decrypts its databases'
 *   backups, starts S3 restores of archived ones, writes safety dumps, restore and verification records, notifies
 *   the alert topic. Sessions up to 8 hours: a large restore outlasts the default hour, and the audit record is
 *   written at its end.
 *
 * Neither can delete anything: the bucket and key policies deny that to every principal but the break-glass role,
 * which this app does not create (docs/security.md says why).
 */
export class OperatorRoles extends Construct {
  readonly viewer?: iam.Role;
  readonly restorers: ReadonlyMap<string, iam.Role>;

  constructor(scope: Construct, id: string, props: OperatorRolesProps) {
    super(scope, id);
    const { access, backups } = props;
    // How cdk-nag names a resource of a bucket in this stack: `<BucketLogicalId.Arn>/pattern`.
    const stack = Stack.of(this);
    const bucketId = stack.resolve((backups.bucket.node.defaultChild as CfnResource).logicalId) as string;
    const objectArn = (pattern: string) => `<${bucketId}.Arn>/${pattern}`;

    if (access.viewers?.length) {
      const viewer = new iam.Role(this, 'Viewer', {
        roleName: viewerRoleName(props.appName),
        description: `${props.appName}: pg-backup list and status, dashboards; reads the backup catalog, never a backup`,
        assumedBy: principals(access.viewers),
      });
      backups.grantView(viewer);
      // The dashboards and alarms: CloudWatch's read calls, which take no resource ARN (GetDashboard does, but the
      // console lists them first).
      viewer.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadDashboardsAndAlarms',
          actions: [
            'cloudwatch:ListDashboards',
            'cloudwatch:GetDashboard',
            'cloudwatch:GetMetricData',
            'cloudwatch:GetMetricWidgetImage',
            'cloudwatch:ListMetrics',
            'cloudwatch:DescribeAlarms',
            'cloudwatch:DescribeAlarmHistory',
          ],
          resources: ['*'],
        }),
      );
      const policy = viewer.node.findChild('DefaultPolicy');
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'CloudWatch read calls for the dashboards and alarms (ListDashboards, GetMetricData, ListMetrics, DescribeAlarms...): most take no resource ARN; none reads a backup or a key',
      });
      for (const pattern of grantPatterns.catalogDocuments('*')) {
        Validations.of(policy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${objectArn(pattern)}]`,
          reason: `${pattern}: the catalog documents of every database (src/contract/layout.ts), which a viewer lists; never a dump, the roles or a safety dump`,
        });
      }
      Validations.of(policy).acknowledge({
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason: "the viewer's read-only statements, in a policy attached to that role only, created and deleted with it",
      });
      this.viewer = viewer;
    }

    const restorers = new Map<string, iam.Role>();
    for (const restorer of access.restorers ?? []) {
      const role = new iam.Role(this, `Restorer-${restorer.name}`, {
        roleName: restorerRoleName(props.appName, restorer.name),
        description: `${props.appName}: pg-backup restore and download of ${restorer.databases.join(', ')} (MFA)`,
        assumedBy: principals(restorer.principals).withConditions(WITH_MFA),
        maxSessionDuration: Duration.hours(8),
      });
      backups.grantRestore(role, restorer.databases);
      props.alerts.grantPublish(role);
      const policy = role.node.findChild('DefaultPolicy');
      for (const databaseId of restorer.databases) {
        for (const pattern of [
          grantPatterns.databaseObjects(databaseId),
          ...grantPatterns.restoreWrites(databaseId),
          ...grantPatterns.verificationRecords(databaseId).filter((p) => p.includes('*')),
        ]) {
          Validations.of(policy).acknowledge({
            id: `AwsSolutions-IAM5[Resource::${objectArn(pattern)}]`,
            reason: `${pattern}: database ${databaseId}'s own keys (src/contract/layout.ts), whose backup ids and record times are new every run; nothing of another database`,
          });
        }
      }
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          "SNS encrypts the restore's alert with the operations key through SNS only, for the alert topic only (AlertTopic.grantPublish)",
      });
      Validations.of(policy).acknowledge({
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason: `restorer ${restorer.name}'s least-privilege statements, in a policy attached to that role only, created and deleted with it`,
      });
      restorers.set(restorer.name, role);
    }
    this.restorers = restorers;
  }
}

function principals(arns: readonly string[]): iam.PrincipalBase {
  const [first, ...rest] = arns.map((arn) => new iam.ArnPrincipal(arn));
  return rest.length === 0 ? first! : new iam.CompositePrincipal(first!, ...rest);
}
