import type { ConfigProblems } from './problems.js';

/** Slack delivery through AWS Chatbot; the workspace must have been authorized in the Chatbot console once. */
export interface SlackConfig {
  /** The workspace id AWS Chatbot shows after authorization, like `T0123ABCD`. */
  readonly workspaceId: string;
  /** The channel id (Slack: channel details, bottom), like `C0123ABCDEF`. */
  readonly channelId: string;
}

/** Who hears about failed, late or suspicious backups. */
export interface AlertsConfig {
  /** Each address gets an SNS e-mail subscription (confirm the first e-mail). */
  readonly emails: readonly string[];
  /** @default - no Slack */
  readonly slack?: SlackConfig;
}

/** Deliberately plain: one @, no spaces, a dot in the domain. SNS does the real check by asking for confirmation. */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;
/** The patterns AWS::Chatbot::SlackChannelConfiguration accepts. */
export const SLACK_WORKSPACE_ID_PATTERN = /^[0-9A-Z]{1,255}$/;
export const SLACK_CHANNEL_ID_PATTERN = /^[A-Za-z0-9]{1,255}$/;

/** Records every problem of the `alerts` section; `path` is its field path, like `alerts`. */
export function validateAlertsConfig(alerts: AlertsConfig | undefined, path: string, problems: ConfigProblems): void {
  if (alerts === undefined) {
    problems.add(path, undefined, 'is required (at least one e-mail address or Slack)');
    return;
  }
  const emails = alerts.emails ?? [];
  if (emails.length === 0 && alerts.slack === undefined) {
    problems.add(`${path}.emails`, emails, 'must list at least one address when alerts.slack is not set (alerts would reach nobody)');
  }
  const seen = new Set<string>();
  emails.forEach((email, i) => {
    if (typeof email !== 'string' || !EMAIL_PATTERN.test(email)) {
      problems.add(`${path}.emails[${i}]`, email, 'must be an e-mail address like ops@example.com');
    } else if (seen.has(email.toLowerCase())) {
      problems.add(`${path}.emails[${i}]`, email, 'is listed twice');
    }
    if (typeof email === 'string') seen.add(email.toLowerCase());
  });
  if (alerts.slack !== undefined) {
    if (!SLACK_WORKSPACE_ID_PATTERN.test(alerts.slack.workspaceId ?? '')) {
      problems.add(
        `${path}.slack.workspaceId`,
        alerts.slack.workspaceId,
        'must be an AWS Chatbot workspace id (upper-case letters and digits, like T0123ABCD)',
      );
    }
    if (!SLACK_CHANNEL_ID_PATTERN.test(alerts.slack.channelId ?? '')) {
      problems.add(`${path}.slack.channelId`, alerts.slack.channelId, 'must be a Slack channel id (letters and digits, like C0123ABCDEF)');
    }
  }
}
