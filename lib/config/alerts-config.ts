import type { ConfigProblems } from './problems.js';
import { checkText, type TextRule } from './toolkit.js';

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

export const ALERT_RULES = {
  /** Deliberately plain: one @, no spaces, a dot in the domain. SNS does the real check by asking for confirmation. */
  email: { pattern: /^[^\s@]+@[^\s@]+\.[^\s@.]+$/, requirement: 'must be an e-mail address like ops@example.com' },
  /** The patterns AWS::Chatbot::SlackChannelConfiguration accepts. */
  slackWorkspaceId: {
    pattern: /^[0-9A-Z]{1,255}$/,
    requirement: 'must be an AWS Chatbot workspace id (upper-case letters and digits, like T0123ABCD)',
  },
  slackChannelId: { pattern: /^[A-Za-z0-9]{1,255}$/, requirement: 'must be a Slack channel id (letters and digits, like C0123ABCDEF)' },
} as const satisfies Record<string, TextRule>;

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
    if (checkText(email, ALERT_RULES.email, `${path}.emails[${i}]`, problems) && seen.has(email.toLowerCase())) {
      problems.add(`${path}.emails[${i}]`, email, 'is listed twice');
    }
    if (typeof email === 'string') seen.add(email.toLowerCase());
  });
  if (alerts.slack !== undefined) {
    checkText(alerts.slack.workspaceId, ALERT_RULES.slackWorkspaceId, `${path}.slack.workspaceId`, problems);
    checkText(alerts.slack.channelId, ALERT_RULES.slackChannelId, `${path}.slack.channelId`, problems);
  }
}
