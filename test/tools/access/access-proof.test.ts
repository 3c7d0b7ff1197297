import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AccessEngine, ADMINISTRATOR_ACCESS } from '../../../tools/access/access-engine.js';
import { renderAccessMatrix } from '../../../tools/access/access-matrix.js';
import {
  accessModel,
  describeDenial,
  type EvaluatedCall,
  type EvaluatedEdge,
  evaluateDeclaredEdges,
  evaluateRecordedCalls,
} from '../../../tools/access/access-proof.js';
import { AuthorizationModel } from '../../../tools/access/authorization-model.js';
import { type RecordedCodeEdges, recordCodeEdges } from '../../../tools/access/code-edges.js';
import { ATTACKER_ACCOUNT, ATTACKER_BUCKET } from '../../../tools/access/endpoint-probes.js';
import { PROOF_STAGE_DESCRIPTION } from '../../../tools/access/generate-access-report.js';
import type { PolicyDocument } from '../../../tools/access/policy-document.js';
import { PROOF_STAGE } from '../../../tools/access/proof-stage.js';
import { type MotoServer, startMotoServer } from '../../../tools/local/moto-server.js';
import { sharedPostgres } from '../../support/services.js';

// The access proof (issue "Proven as deployed"): the synthesized templates as an authorization model, the code's
// calls recorded from real runs against moto, the services' calls and the must-deny probes, all decided by
// @cloud-copilot/iam-simulate. moto cannot tell any of this: it evaluates no resource policy and no condition.

const { model, engine } = accessModel(PROOF_STAGE);
let moto: MotoServer;
let recorded: RecordedCodeEdges;
let calls: EvaluatedCall[];
let edges: EvaluatedEdge[];

beforeAll(async () => {
  moto = await startMotoServer();
  const { host, port, superuser, password } = sharedPostgres();
  recorded = await recordCodeEdges({
    model,
    appName: PROOF_STAGE.appName,
    motoEndpoint: moto.endpoint,
    postgres: { host, port, superuser, password },
  });
  calls = await evaluateRecordedCalls(engine, recorded);
  edges = await evaluateDeclaredEdges(engine, PROOF_STAGE);
}, 300_000);
afterAll(async () => moto?.stop());

describe('the code, recorded against moto and decided for the role that runs it on AWS', () => {
  test('every scenario ran as it does on AWS (the RDS dump stops where the emulator has no server)', () => {
    const outcomes = recorded.runs.map((r) => `${r.name}: ${r.exitCode === 0 ? 'ok' : 'failed'}`);
    expect(outcomes).toEqual([
      'freshness check before any backup: ok',
      'dump billing-db (first backup): ok',
      'dump billing-db (second backup): ok',
      'verify billing-db: ok',
      'dump orders-db (RDS: stops at the connection): failed',
      'freshness check after the backups: ok',
      'list billing-db as the viewer: ok',
      'status as the viewer: ok',
      'list billing-db as the restorer: ok',
      'restore billing-db into an empty database as the restorer: ok',
      'restore billing-db over it (--replace: a safety dump first) as the restorer: ok',
      'download billing-db as the restorer: ok',
      'verify an archived billing-db backup as the restorer (--wait): ok',
      'restore the archived backup as the restorer (--wait): ok',
    ]);
    const rds = recorded.runs.find((r) => r.name.startsWith('dump orders-db'))!;
    expect(rds.output).toMatch(/could not connect to the source database \S*orders-prod\.\S+: host name not found/);
  });

  test('the dump, verify and freshness roles, the viewer and the restorer are allowed every call their code made', () => {
    const decided = calls.filter((c) => c.decision);
    expect(decided.length).toBeGreaterThan(40);
    expect(new Set(decided.map((c) => c.actor))).toEqual(
      new Set([
        'freshness-check',
        'dump-task-billing-db',
        'verify-task-billing-db',
        'dump-task-orders-db',
        'viewer',
        'restorer-billing-oncall',
      ]),
    );
    // every call is decided: no scenario runs with an operator's own (undecided) credentials any more
    expect(calls.filter((c) => !c.decision)).toEqual([]);
    expect(decided.filter((c) => !c.ok).map((c) => describeDenial(c, model))).toEqual([]);
  });

  test('the viewer reads catalog documents only; the restorer reads and restores from the archive, writes only what a restore writes', () => {
    const viewerReads = calls.filter((c) => c.actor === 'viewer' && c.request.action.startsWith('s3:GetObject'));
    expect(viewerReads.length).toBeGreaterThan(0);
    for (const read of viewerReads)
      expect(read.request.resource).toMatch(/(latest(-verification)?\.json|manifest\.json|verifications\/[^/]+\.json)$/);
    const restorer = calls.filter((c) => c.actor === 'restorer-billing-oncall');
    expect(new Set(restorer.map((c) => c.request.action))).toEqual(
      new Set([
        's3:GetObject',
        's3:GetObjectVersion',
        's3:ListBucket',
        's3:ListBucketVersions',
        's3:GetLifecycleConfiguration',
        's3:GetBucketObjectLockConfiguration',
        's3:GetEncryptionConfiguration',
        's3:RestoreObject',
        's3:PutObject',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'sns:Publish',
      ]),
    );
    for (const write of restorer.filter((c) => c.request.action === 's3:PutObject')) {
      expect(write.request.resource).toMatch(
        /databases\/billing-db\/(safety\/|restores\/|latest-verification\.json$|backups\/[^/]+\/verifications\/)/,
      );
      expect(write.request.context).toMatchObject({ 's3:x-amz-server-side-encryption': 'aws:kms' });
    }
  });

  test("the recorded calls include the KMS calls S3 and SNS make on the caller's behalf", () => {
    const dumpKms = calls.filter((c) => c.actor === 'dump-task-billing-db' && c.request.action === 'kms:GenerateDataKey');
    expect(dumpKms.length).toBeGreaterThan(0);
    expect(dumpKms[0]!.request.context).toMatchObject({ 'kms:ViaService': 's3.eu-west-1.amazonaws.com' });
    const alertKms = calls.filter(
      (c) => c.actor === 'freshness-check' && c.request.context['kms:ViaService'] === 'sns.eu-west-1.amazonaws.com',
    );
    expect([...new Set(alertKms.map((c) => c.request.action))].sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });
});

/** The stage's templates with one statement removed from the role policies (or bucket policies) matching `role`. */
function withoutStatement(sid: string, role: RegExp): AccessEngine {
  const copy = structuredClone(model.stacks);
  let removed = 0;
  for (const stack of copy) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      if (!role.test(logicalId)) continue;
      // A policy resource (a role's, a managed one, a bucket's), or the inline policies of a role (the databases' task roles).
      const documents = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::S3::BucketPolicy'].includes(resource.Type)
        ? [resource.Properties!.PolicyDocument]
        : resource.Type === 'AWS::IAM::Role'
          ? ((resource.Properties!.Policies ?? []) as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument)
          : [];
      for (const document of documents as { Statement: PolicyDocument['Statement'] }[]) {
        const before = document.Statement.length;
        document.Statement = document.Statement.filter((s) => s.Sid !== sid);
        removed += before - document.Statement.length;
      }
    }
  }
  if (removed === 0) throw new Error(`no statement ${sid} in a policy matching ${role}`);
  return new AccessEngine(new AuthorizationModel(copy, model.mainAccount));
}

// Each statement the runtime roles hold must be needed by a call the code makes: without it, a named call is refused.
const RUNTIME_STATEMENTS: [string, RegExp][] = [
  ['WriteOwnBackupObjects', /DumpRole/],
  ['TagOwnBackupObjectsWithTheirTier', /DumpRole/],
  ['ReadOwnLatestPointer', /DumpRole/],
  ['ListOwnDatabasePrefix', /DumpRole/],
  ['EncryptBackupsWithBackupKey', /DumpRole/],
  ['ReadOwnSecret', /DumpRole/],
  ['DescribeOwnRdsInstance', /DumpRole/],
  ['ReadOwnBackups', /VerifyRole/],
  ['WriteOwnVerificationRecords', /VerifyRole/],
  ['DecryptBackupsEncryptRecords', /VerifyRole/],
  ['ReadDatabaseList', /FreshnessRoleDefaultPolicy/],
  ['ReadPointerDocuments', /FreshnessRoleDefaultPolicy/],
  ['ListPointerDocuments', /FreshnessRoleDefaultPolicy/],
  ['DecryptPointerDocuments', /FreshnessRoleDefaultPolicy/],
  ['PublishFreshnessMetrics', /FreshnessRoleDefaultPolicy/],
  ['PublishAlerts', /FreshnessRoleDefaultPolicy/],
  ['EncryptAlertsThroughSns', /FreshnessRoleDefaultPolicy/],
  ['ReadWriteAlertState', /FreshnessRoleDefaultPolicy/],
  // The watched RDS instances, in managed policies (a role's inline policies could not name two hundred).
  ['DescribeWatchedRdsInstances', /FreshnessDescribeWatchedRdsInstances/],
  // Into the vault both sides must allow: the role's statement and the vault bucket's.
  ['ListCopiesInTheReplica', /FreshnessRoleDefaultPolicy/],
  ['AllowMainAccountFreshnessCheckToListCopies', /BackupsBucketPolicy/],
  ['ListBackupCatalog', /OperatorRolesViewerDefaultPolicy/],
  ['ReadRetentionSettings', /OperatorRolesViewerDefaultPolicy/],
  ['ReadCatalogDocuments', /OperatorRolesViewerDefaultPolicy/],
  ['DecryptCatalogDocumentsThroughS3', /OperatorRolesViewerDefaultPolicy/],
  ['ReadBackupsToRestore', /OperatorRolesRestorerbillingoncallDefaultPolicy/],
  ['ListBackupsToRestore', /OperatorRolesRestorerbillingoncallDefaultPolicy/],
  ['ReadRetentionSettings', /OperatorRolesRestorerbillingoncallDefaultPolicy/],
  ['ReadWhichKeyUploadsName', /OperatorRolesRestorerbillingoncallDefaultPolicy/],
  ['RestoreArchivedBackups', /OperatorRolesRestorerbillingoncallDefaultPolicy/],
  ['WriteSafetyDumpsAndRecords', /OperatorRolesRestorerbillingoncallDefaultPolicy/],
  ['UseBackupKeyThroughS3ToRestore', /OperatorRolesRestorerbillingoncallDefaultPolicy/],
  ['PublishAlerts', /OperatorRolesRestorerbillingoncallDefaultPolicy/],
  ['EncryptAlertsThroughSns', /OperatorRolesRestorerbillingoncallDefaultPolicy/],
];

describe('deleting any statement from a runtime role makes a named call fail', () => {
  test.each(RUNTIME_STATEMENTS)('without %s (%s)', async (sid, role) => {
    const failures = (await evaluateRecordedCalls(withoutStatement(sid, role), recorded)).filter((c) => !c.ok);
    expect(failures.length).toBeGreaterThan(0);
    // The message names the call, the role and what would have allowed it.
    expect(describeDenial(failures[0]!, model)).toMatch(/would be refused .* no statement allows it/);
  });
});

describe('the services and the must-deny probes', () => {
  test('every alarm of the stage may notify on-call through the encrypted alert topic', () => {
    const alarms = edges.filter((e) => e.edge.group === 'CloudWatch alarms -> alert topic');
    // One alarm per database (two), the check's two, the dead letters': three edges each (Publish, and the key twice).
    expect(alarms.length).toBeGreaterThanOrEqual(3 * 5);
    expect(alarms.filter((e) => !e.ok).map((e) => `${e.edge.principalLabel} ${e.edge.action}`)).toEqual([]);
    expect(alarms.find((e) => e.edge.action === 'sns:Publish')!.decision.deciding).toEqual([
      expect.stringMatching(/AlertsTopicPolicy.*\[AllowStageAlarmsToPublish\]/),
    ]);
  });

  test('every request an AWS service makes for the app is allowed', () => {
    expect(
      edges
        .filter((e) => e.edge.expect === 'allow' && !e.ok)
        .map((e) => `${e.edge.group}: ${e.edge.principalLabel} ${e.edge.action} ${e.edge.resource} -> ${e.decision.result}`),
    ).toEqual([]);
  });

  test('every probe is denied: destruction, other databases, other accounts, no TLS, another key', () => {
    const probes = edges.filter((e) => e.edge.expect === 'deny');
    expect(probes.length).toBeGreaterThan(300);
    expect(
      probes
        .filter((e) => !e.ok)
        .map(
          (e) =>
            `${e.edge.group}: ${e.edge.principalLabel} ${e.edge.action} ${e.edge.resource} -> ${e.decision.result} ${e.decision.deciding.join(', ')}`,
        ),
    ).toEqual([]);
  });

  test('operators: configured principals assume their roles (a restorer only with MFA), the viewer opens the dashboards; everything else is refused', () => {
    const operators = edges.filter((e) => e.edge.group.startsWith('Operators'));
    expect(operators.filter((e) => !e.ok).map((e) => `${e.edge.principalLabel} ${e.edge.action} ${e.edge.resource}`)).toEqual([]);
    const assume = operators.filter((e) => e.edge.action === 'sts:AssumeRole');
    expect(assume.filter((e) => e.edge.expect === 'allow').map((e) => e.edge.principalLabel)).toEqual([
      'arn:aws:iam::123456789012:role/platform-engineers',
      'arn:aws:iam::123456789012:role/oncall with MFA',
      'arn:aws:iam::123456789012:role/billing-oncall with MFA',
    ]);
    expect(assume.find((e) => e.edge.principalLabel === 'arn:aws:iam::123456789012:role/oncall without MFA')!.decision.result).not.toBe(
      'Allowed',
    );
    const mustNot = operators.filter((e) => e.edge.group === 'Operators: must not' && e.edge.principalLabel.startsWith('role'));
    expect(mustNot.length).toBeGreaterThanOrEqual(20);
    // the viewer may read no dump and decrypt nothing outside S3
    const viewerDump = mustNot.find(
      (e) => /Viewer/.test(e.edge.principalLabel) && e.edge.action === 's3:GetObject' && e.edge.resource.endsWith('dump.pgdump.zst'),
    )!;
    expect(viewerDump.decision.result).toBe('ImplicitlyDenied');
  });

  test('an alarm of another app in the account may not publish to our topic', async () => {
    const topic = model.ofType('AWS::SNS::Topic')[0]!.arn!;
    const decision = await engine.decide({
      principal: { service: 'cloudwatch.amazonaws.com' },
      action: 'sns:Publish',
      resource: topic,
      context: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:someone-else', 'aws:SourceAccount': '123456789012' },
    });
    expect(decision.result).not.toBe('Allowed');
  });
});

describe('the VPC endpoints: nothing leaves for another account', () => {
  test("the tasks' own calls pass their VPC's endpoint policies (S3, Secrets Manager, RDS), and the KMS calls S3 makes for them pass none", () => {
    const dumpCalls = calls.filter((c) => c.actor === 'dump-task-orders-db' || c.actor === 'dump-task-billing-db');
    const byService = (prefix: string) => dumpCalls.filter((c) => c.request.action.startsWith(prefix));
    for (const [prefix, endpoint] of [
      ['s3:', /NetworkVpcS3\w+ \[OnlyThisAccountsPrincipalsAndResources\]/],
      ['secretsmanager:', /NetworkVpcSecretsManager\w+ \[OnlyThisAccountsPrincipalsAndResources\]/],
      ['rds:', /NetworkVpcRds\w+ \[OnlyThisAccountsPrincipalsAndResources\]/],
    ] as const) {
      expect(byService(prefix).length, prefix).toBeGreaterThan(0);
      for (const call of byService(prefix))
        expect(call.decision!.deciding, call.request.call).toContainEqual(expect.stringMatching(endpoint));
    }
    for (const call of byService('kms:')) expect(call.decision!.deciding.join(' ')).not.toContain('NetworkVpc');
  });

  test("another account's credentials, brought into a task, are stopped by the endpoint alone: from anywhere else their account lets them write", async () => {
    const write = {
      principal: { arn: `arn:aws:iam::${ATTACKER_ACCOUNT}:role/Attacker`, policies: [ADMINISTRATOR_ACCESS] },
      action: 's3:PutObject',
      resource: `arn:aws:s3:::${ATTACKER_BUCKET}/dump.pgdump.zst`,
      resourceAccount: ATTACKER_ACCOUNT,
    };
    expect((await engine.decide(write)).result).toBe('Allowed');
    const fromTask = await engine.decide({ ...write, sentFrom: { schedule: 'orders-db-dump' } });
    expect(fromTask).toMatchObject({
      result: 'ImplicitlyDenied',
      deciding: [expect.stringMatching(/NetworkVpcS3\w+ \(VPC endpoint policy admits no such request\)/)],
    });
  });

  test('every endpoint of the stage has its exfiltration probes, and ECR image layers still come through the S3 endpoint', () => {
    const probes = edges.filter((e) => e.edge.group.startsWith('Through our VPC endpoints'));
    const services = new Set(model.endpoints.map((e) => e.service));
    expect(services).toEqual(new Set(['s3', 'ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'kms', 'rds']));
    expect(probes.filter((p) => p.edge.principalLabel.startsWith(`credentials of account ${ATTACKER_ACCOUNT}`))).toHaveLength(
      services.size,
    );
    expect(probes.every((p) => p.ok)).toBe(true);
    const layers = edges.filter((e) => e.edge.resource.includes('starport-layer-bucket'));
    expect(layers.length).toBeGreaterThan(0);
    for (const layer of layers)
      expect(layer.decision.deciding).toContainEqual(expect.stringMatching(/NetworkVpcS3\w+ \[ReadEcrImageLayers\]/));
  });

  test("ECS assumes a task's roles only for this account's tasks in this region", () => {
    const probes = edges.filter((e) => e.edge.group === 'ECS tasks elsewhere -> our task and execution roles');
    // Four task roles (dump and verify of two databases) and the one execution role they all share, two probes each.
    expect(probes).toHaveLength(5 * 2);
    expect(probes.filter((p) => !p.ok)).toEqual([]);
  });
});

describe('the schedules: one role per jobs stack, passing exactly the roles its runs carry', () => {
  test("each schedule may start its shared definition in the jobs cluster, tag the task, and pass its database's task role and the execution role", () => {
    const scheduler = edges.filter((e) => e.edge.group === 'EventBridge Scheduler -> dump and verify tasks');
    for (const name of ['orders-db-dump', 'orders-db-verify', 'billing-db-dump', 'billing-db-verify']) {
      const own = scheduler.filter((e) => e.edge.why.startsWith(name) || e.edge.principalLabel.includes(`schedule ${name}`));
      expect(own.map((e) => e.edge.action).sort(), name).toEqual(
        [
          'ecs:RunTask',
          'ecs:TagResource',
          'iam:PassRole',
          'iam:PassRole',
          'sts:AssumeRole',
          ...(name === 'billing-db-verify' ? ['iam:PassRole'] : []),
        ].sort(),
      );
      expect(own.filter((e) => !e.ok)).toEqual([]);
    }
  });

  test("the scheduler cannot pass any other role (the other database's are passable, every other is not), nor start or tag other tasks", () => {
    const probes = edges.filter((e) => e.edge.group.startsWith('Least privilege: the scheduler'));
    expect(probes.length).toBeGreaterThan(10);
    expect(probes.filter((p) => !p.ok).map((p) => `${p.edge.action} ${p.edge.resource}`)).toEqual([]);
    const passed = probes.filter((p) => p.edge.action === 'iam:PassRole').map((p) => p.edge.resource);
    // The freshness check's role (by its fixed name, lib/alerts/alert-publishers.ts) is among the refused.
    expect(passed).toContain('arn:aws:iam::123456789012:role/pg-backup-freshness-eu-west-1');
    expect(passed).toContain('arn:aws:iam::123456789012:role/Administrator');
  });

  test("a large database's work volume: ECS may create, attach and delete only ECS-managed volumes, with the backup key through EC2 only", () => {
    const volume = edges.filter((e) => e.edge.group === 'ECS -> infrastructure role: encrypted work volumes');
    expect(volume.map((e) => e.edge.action).sort()).toEqual(
      [
        'ec2:AttachVolume',
        'ec2:AttachVolume',
        'ec2:CreateTags',
        'ec2:CreateVolume',
        'ec2:DeleteVolume',
        'ec2:DescribeVolumes',
        'ec2:DetachVolume',
        'ec2:DetachVolume',
        'kms:CreateGrant',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'sts:AssumeRole',
      ].sort(),
    );
    expect(volume.filter((e) => !e.ok)).toEqual([]);
    const probes = edges.filter((e) => e.edge.group === 'Least privilege: the infrastructure role of work volumes');
    expect(probes.map((p) => p.edge.action).sort()).toEqual(['ec2:AttachVolume', 'ec2:DeleteVolume', 'kms:Decrypt']);
    expect(probes.filter((p) => !p.ok)).toEqual([]);
  });
});

test('docs/access-matrix.md is what the templates and the recorded runs give (npm run access-report)', () => {
  const committed = readFileSync(join(import.meta.dirname, '../../../docs/access-matrix.md'), 'utf8').split('\n');
  const current = renderAccessMatrix({ model, stageDescription: PROOF_STAGE_DESCRIPTION, calls, edges }).split('\n');
  // The lines that differ, so a stale matrix (run npm run access-report and commit it) shows what changed.
  const onlyCommitted = committed.filter((line) => !current.includes(line)).map((line) => `- ${line}`);
  const onlyCurrent = current.filter((line) => !committed.includes(line)).map((line) => `+ ${line}`);
  expect([...onlyCommitted, ...onlyCurrent], 'docs/access-matrix.md is stale: run npm run access-report and commit it').toEqual([]);
});
