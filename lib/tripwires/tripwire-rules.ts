import { Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ALERT_PUBLISHERS, alertPublisherRoleName } from '../alerts/alert-publishers.js';
import { BUCKET_TRIPWIRE_EVENTS, KEY_TRIPWIRE_EVENTS, OBJECT_TRIPWIRE_EVENTS } from './tripwire-events.js';

/** A topic the tripwires may publish to, and the grant that lets a role do it. */
export interface TripwireTopic {
  readonly topicArn: string;
  grantPublish(grantee: iam.IGrantable): iam.Grant;
}

export interface TripwireRulesProps {
  /** Prefix of the rule names. */
  readonly appName: string;
  /** The backup buckets (and trail buckets) of this region, by name. */
  readonly bucketNames: readonly string[];
  /** The keys of this region: ARNs, and the ids CloudTrail may name them by. */
  readonly keys: readonly { readonly arn: string; readonly keyId: string }[];
  /** Where the alerts go. */
  readonly topic: TripwireTopic;
  /** The runbook on-call opens when a tripwire fires. */
  readonly runbook: string;
}

/**
 * EventBridge rules on the destructive S3 and KMS calls of TRIPWIRE_EVENTS against this region's buckets and
 * keys, refused or not: each sends on-call who (the caller's ARN), what, on which resource, when, from where,
 * and whether AWS refused it. The S3 object-level calls reach EventBridge through the audit trail's data
 * events; the bucket and key calls are management events, which reach it in any case.
 */
export class TripwireRules extends Construct {
  readonly rules: events.Rule[];

  constructor(scope: Construct, id: string, props: TripwireRulesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'PublishRole', {
      // Fixed: the alert topic admits publishers by name (lib/alerts/alert-publishers.ts).
      roleName: alertPublisherRoleName(props.appName, stack.region, ALERT_PUBLISHERS.tripwires),
      description: `${props.appName}: tripwire rules publishing destructive calls to the alert topic`,
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    });
    props.topic.grantPublish(role);
    // The rule targets see the topic without its key, so EventBridge's own grant cannot widen the role's.
    const target = sns.Topic.fromTopicArn(this, 'Topic', props.topic.topicArn);
    const field = (path: string) => events.EventField.fromPath(path);
    const message = (what: string) =>
      events.RuleTargetInput.fromText(
        [
          `pg-backup TRIPWIRE in ${stack.region}: ${what}.`,
          `Call: ${field('$.detail.eventName')} by ${field('$.detail.userIdentity.arn')} at ${field('$.detail.eventTime')} from ${field('$.detail.sourceIPAddress')}.`,
          `Resource: bucket ${field('$.detail.requestParameters.bucketName')} key ${field('$.detail.requestParameters.key')} KMS key ${field('$.detail.requestParameters.keyId')}.`,
          `Refused by AWS? error code: ${field('$.detail.errorCode')} (empty: it succeeded).`,
          `Nobody should do this outside a break-glass procedure. If it was not yours, treat the account as compromised: ${props.runbook}`,
        ].join('\n'),
      );
    const rule = (ruleId: string, description: string, detail: Record<string, unknown>, source: string, what: string) => {
      const created = new events.Rule(this, ruleId, {
        ruleName: `${props.appName}-tripwire-${ruleId.replace(/[A-Z]/g, (c, i: number) => `${i > 0 ? '-' : ''}${c.toLowerCase()}`)}`,
        description,
        eventPattern: { source: [source], detailType: ['AWS API Call via CloudTrail'], detail },
      });
      created.addTarget(new eventsTargets.SnsTopic(target, { authorizeUsingRole: true, role, message: message(what) }));
      return created;
    };
    const buckets = [...props.bucketNames];
    this.rules = [
      rule(
        'BucketLoosened',
        'A call that loosens a backup or audit bucket (policy, lifecycle, replication, Object Lock, versioning, encryption)',
        { eventSource: ['s3.amazonaws.com'], eventName: [...BUCKET_TRIPWIRE_EVENTS], requestParameters: { bucketName: buckets } },
        'aws.s3',
        'a backup bucket was loosened, or someone tried',
      ),
      rule(
        'BackupsDestroyed',
        'A call that deletes, hides or unlocks a version in a backup or audit bucket',
        { eventSource: ['s3.amazonaws.com'], eventName: [...OBJECT_TRIPWIRE_EVENTS], requestParameters: { bucketName: buckets } },
        'aws.s3',
        'a backup was deleted or its lock changed, or someone tried',
      ),
      rule(
        'KeyEnded',
        'A call that schedules the deletion of, disables, re-policies or re-aliases a key of the backups or the alerts, or grants it outside an AWS service',
        {
          eventSource: ['kms.amazonaws.com'],
          // CloudTrail lists the key's ARN in resources; the request names it as the caller wrote it (id, ARN or alias).
          $or: [
            { eventName: [...KEY_TRIPWIRE_EVENTS], resources: { ARN: props.keys.map((k) => k.arn) } },
            { eventName: [...KEY_TRIPWIRE_EVENTS], requestParameters: { keyId: props.keys.flatMap((k) => [k.arn, k.keyId]) } },
            {
              // A grant an AWS service creates for its own resource names the service in invokedBy.
              eventName: ['CreateGrant'],
              resources: { ARN: props.keys.map((k) => k.arn) },
              userIdentity: { invokedBy: [{ exists: false }] },
            },
            {
              eventName: ['CreateGrant'],
              requestParameters: { keyId: props.keys.flatMap((k) => [k.arn, k.keyId]) },
              userIdentity: { invokedBy: [{ exists: false }] },
            },
          ],
        },
        'aws.kms',
        'a key that protects the backups or the alerts was ended or handed out, or someone tried',
      ),
    ];
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge(
        {
          id: 'NIST.800.53.R5-IAMNoInlinePolicy',
          reason:
            "the tripwire rules' sns:Publish to the alert topic and its key, in a policy attached to this one role only, created and deleted with it",
        },
        {
          id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          reason:
            "publishing to the KMS-encrypted alert topic needs data keys; the statement names only the topic's key, through SNS (kms:ViaService) for this topic's messages (kms:EncryptionContext:aws:sns:topicArn)",
        },
      );
    }
  }
}
