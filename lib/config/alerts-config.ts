// Owned by the CDK-app work (issue 2): e-mail and Slack. Placeholder until then.
export interface AlertsConfig {
  readonly emails: readonly string[];
}
