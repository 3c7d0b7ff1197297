// Owned by the CDK-app work (issue 2): retention, Object Lock, lifecycle. Placeholder until then.
export interface StorageConfig {
  readonly retentionDays: number;
}
