// Owned by the monitoring work (issue 5): freshness limits, schedule, reminders. Placeholder until then.
export interface MonitoringConfig {
  readonly maxBackupAge?: string;
}
