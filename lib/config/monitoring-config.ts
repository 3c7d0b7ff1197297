import type { ConfigProblems } from './problems.js';

// Owned by the monitoring work (issue 5): freshness limits, schedule, reminders. Placeholder until then.
export interface MonitoringConfig {
  readonly maxBackupAge?: string;
}

export function validateMonitoringConfig(_monitoring: MonitoringConfig | undefined, _path: string, _problems: ConfigProblems): void {}
