import { formatDuration } from '../../src/contract/freshness/duration.js';
import type { DatabaseStatus } from '../../src/contract/freshness/evaluate.js';
import type { FreshnessConfig, FreshnessDatabase } from '../../src/contract/freshness/function-environment.js';
import type { AlertState, Notification } from './alert-state.js';

/**
 * The words on-call reads at 3 a.m.: the subject says what is wrong in one line, the body says
 * since when, what is still safe to restore, and the first commands to run. Published as an SNS
 * JSON message: e-mail gets the plain text, everything else (AWS Chatbot for Slack) a Chatbot
 * custom notification, which it renders as a formatted card.
 */
export interface AlertMessage {
  /** SNS subject: at most 100 printable ASCII characters. */
  readonly subject: string;
  readonly text: string;
  /** AWS Chatbot custom notification (version 1.0, source custom). */
  readonly chatbot: ChatbotNotification;
}

export interface ChatbotNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly relatedResources: readonly string[];
    readonly additionalContext: Record<string, string>;
  };
}

export interface AlertContext {
  readonly config: FreshnessConfig;
  readonly database: FreshnessDatabase;
  readonly status: DatabaseStatus;
  readonly notification: Notification;
  readonly state: AlertState;
  readonly now: Date;
}

export function renderAlert(context: AlertContext): AlertMessage {
  const { config, database, status, notification, state, now } = context;
  const headline = headlineOf(context);
  const subject = toSubject(`pg-backup ${status.databaseId}: ${headline}`);
  const brokenFor = formatDuration((now.getTime() - Date.parse(state.since)) / 1000);

  const whatIsWrong =
    notification === 'recovered'
      ? [`All limits are met again. ${facts(status).join(' ')}`]
      : status.problems.map((p) => `${p.detail}${p.since ? ` (limit broken since ${p.since})` : ''}`);
  const since =
    notification === 'recovered'
      ? `Recovered at ${now.toISOString()}.`
      : `First seen by the freshness check at ${state.since} (${brokenFor} ago).`;
  const good = status.newestGoodBackup;
  const newestGood = good
    ? `${good.backupId}, finished ${good.finishedAt} (${formatDuration((now.getTime() - Date.parse(good.finishedAt)) / 1000)} ago), ${good.verified ? 'restore-tested: passed' : 'not restore-tested yet'}`
    : 'none: there is no backup to restore from';
  // restore refuses a backup no verification passed unless told: the command says so rather than fail at 3 a.m.
  const restoreCommand = good
    ? `npx pg-backup restore --db-id ${status.databaseId} --bucket ${config.bucket} --backup ${good.backupId}${good.verified ? '' : ' --allow-unverified'} --target 'postgresql://USER@HOST:5432/NEW_DATABASE'`
    : undefined;
  const logCommands = [
    ...(database.logGroupName
      ? [`aws logs tail ${database.logGroupName} --since 2d --region ${config.region}   # dump and verify tasks`]
      : []),
    `aws logs tail ${config.functionLogGroupName} --since 1h --region ${config.region}   # this freshness check`,
  ];
  const replicaFlags = config.replica ? ` --replica-bucket ${config.replica.bucket} --replica-region ${config.replica.region}` : '';
  const statusCommand = `npx pg-backup status --bucket ${config.bucket} --db-id ${status.databaseId}${replicaFlags}`;
  // Each kind of problem has its own first step: a copy that falls behind, or an RDS instance's point-in-time
  // recovery, is not cured by another dump, so the dump and restore steps come only for the dumps' own problems.
  const kinds = new Set(status.problems.map((p) => p.kind));
  const dumpsInTrouble = status.problems.some(
    (p) => p.kind !== 'replica-behind' && p.kind !== 'recovery-slow' && !p.kind.startsWith('pitr-'),
  );
  const replicationStep = kinds.has('replica-behind')
    ? `Check replication (a changed replica key, key or bucket policy, or replication role stops it): aws s3api get-bucket-replication --bucket ${config.bucket}, and docs/operations.md "When the copy falls behind"`
    : undefined;
  const pitrStep = [...kinds].some((kind) => kind.startsWith('pitr-'))
    ? "Restore the instance's point-in-time recovery with the command under WHAT IS WRONG; until then the dumps are the only way back (docs/runbooks/README.md)"
    : undefined;
  const recoveryStep = kinds.has('recovery-slow')
    ? 'A restore would take longer than the RTO (the figure under WHAT IS WRONG): speed up the restore or revisit the target, see docs/runbooks/README.md "How long a recovery takes"'
    : undefined;
  const dumpSteps = dumpsInTrouble
    ? [
        `Start a dump now: ${database.dumpNowCommand}`,
        restoreCommand
          ? `If you need the data back, restore the newest good backup into a NEW database (the password comes from PGPASSWORD, never the URL): ${restoreCommand}`
          : 'There is nothing to restore yet: get a first dump to succeed.',
      ]
    : [];
  const steps =
    notification === 'recovered'
      ? [`Nothing to do. To see the current state: ${statusCommand}`]
      : [
          ...dumpSteps,
          ...(recoveryStep ? [recoveryStep] : []),
          ...(pitrStep ? [pitrStep] : []),
          ...(replicationStep ? [replicationStep] : []),
          dumpsInTrouble || !replicationStep
            ? `See the current state: ${statusCommand}`
            : `See which backups lack their copy: ${statusCommand}`,
        ];

  const limits = status.limits;
  const footer =
    `Checked at ${status.checkedAt} against s3://${config.bucket}${config.replica ? ` and its copy s3://${config.replica.bucket}` : ''}. Limits: newest backup ${formatDuration(limits.maxBackupAgeSeconds)}, verification ${formatDuration(limits.maxVerificationAgeSeconds)}, size ±${Math.round(limits.sizeTolerance * 100)}% of the median${config.replica ? `, copy within ${formatDuration(config.replica.maxLagSeconds)}` : ''}. ${notification === 'recovered' ? '' : `This alert repeats every ${formatDuration(config.reminderEverySeconds)} while the problem lasts, and once more when it is resolved.`}`.trim();

  const text = [
    subject,
    '',
    'WHAT IS WRONG',
    ...whatIsWrong.map((line) => `- ${line}`),
    '',
    'SINCE',
    since,
    '',
    'NEWEST GOOD BACKUP',
    newestGood,
    '',
    'WHAT TO DO FIRST',
    ...steps.map((step, i) => `${i + 1}. ${step}`),
    '',
    'LOGS',
    ...logCommands,
    '',
    footer,
  ].join('\n');

  const markdownSteps =
    notification === 'recovered'
      ? [`Current state: \`${statusCommand}\``]
      : [
          ...(dumpsInTrouble
            ? [
                `Start a dump now: \`${database.dumpNowCommand}\``,
                restoreCommand
                  ? `Restore the newest good backup into a NEW database: \`${restoreCommand}\``
                  : 'Nothing to restore yet: get a first dump to succeed.',
              ]
            : []),
          ...(recoveryStep ? [recoveryStep] : []),
          ...(pitrStep ? [pitrStep] : []),
          ...(replicationStep ? [replicationStep] : []),
          ...(dumpsInTrouble || !replicationStep ? [] : [`Which backups lack their copy: \`${statusCommand}\``]),
          ...logCommands.map((command) => `Logs: \`${command.replace(/\s+#.*$/, '')}\``),
        ];
  const icon = notification === 'recovered' ? ':white_check_mark:' : ':rotating_light:';
  const description = [...whatIsWrong.map((line) => `• ${line}`), `*Since:* ${since}`, `*Newest good backup:* ${newestGood}`].join('\n');

  return {
    subject,
    text,
    chatbot: {
      version: '1.0',
      source: 'custom',
      id: `pg-backup-${status.databaseId}-${now.getTime()}`,
      content: {
        textType: 'client-markdown',
        title: `${icon} ${subject}`,
        description,
        nextSteps: markdownSteps,
        keywords: ['pg-backup', status.databaseId, notification, ...status.problems.map((p) => p.kind)],
      },
      metadata: {
        // One Slack thread per database: the alert, its reminders and the recovery stay together.
        threadId: `pg-backup-${status.databaseId}`,
        summary: subject,
        eventType: notification === 'recovered' ? 'PgBackupRecovered' : 'PgBackupProblem',
        relatedResources: [`arn:aws:s3:::${config.bucket}`, ...(config.replica ? [`arn:aws:s3:::${config.replica.bucket}`] : [])],
        additionalContext: { databaseId: status.databaseId, state: state.state, since: state.since },
      },
    },
  };
}

/** SNS message body: plain text for e-mail, the Chatbot card for every other protocol. */
export function snsMessage(message: AlertMessage): string {
  const card = JSON.stringify(message.chatbot);
  return JSON.stringify({ default: card, email: message.text });
}

function headlineOf({ status, notification, state, now }: AlertContext): string {
  if (notification === 'recovered') {
    return status.backup ? `OK again, newest backup is ${formatDuration(status.backup.ageSeconds)} old` : 'OK again';
  }
  const [first, ...rest] = status.problems;
  const more = rest.length > 0 ? ` (+${rest.length} more)` : '';
  const prefix =
    notification === 'reminder' ? `still broken after ${formatDuration((now.getTime() - Date.parse(state.since)) / 1000)}: ` : '';
  return `${prefix}${first?.summary ?? 'problem'}${more}`;
}

function facts(status: DatabaseStatus): string[] {
  const out: string[] = [];
  if (status.backup) out.push(`Newest backup ${status.backup.backupId} is ${formatDuration(status.backup.ageSeconds)} old.`);
  if (status.verification) {
    out.push(
      `Newest verification ${status.verification.passed ? 'passed' : 'failed'} ${formatDuration(status.verification.ageSeconds)} ago.`,
    );
  }
  return out;
}

/** SNS subjects: ASCII, no line breaks, under 100 characters. */
function toSubject(text: string): string {
  const ascii = text.replace(/[±]/g, '+-').replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}
