import type pg from 'pg';
import { PgBackupError } from '../errors.js';

/** Another client's session on the database a restore replaces. */
export interface TargetSession {
  readonly pid: number;
  readonly user: string;
  readonly application: string;
  readonly clientAddress: string;
}

/** The privilege pg_terminate_backend needs when the sessions are not the restoring login's own. */
export const TERMINATE_PRIVILEGE =
  'pg_terminate_backend ends only sessions of roles the restoring login is a member of, unless it has pg_signal_backend ' +
  '(GRANT pg_signal_backend TO <login>; on RDS the master user has it through rds_superuser) or is a superuser; ' +
  "no one but a superuser may end a superuser's session";

const OTHER_SESSIONS = `
  SELECT pid, coalesce(usename, '') AS user, coalesce(application_name, '') AS application, coalesce(host(client_addr), 'local') AS client_address
  FROM pg_stat_activity
  WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
  ORDER BY pid`;

/** Every other client session on the database `client` is connected to (pg_stat_activity lists them to any login). */
export async function otherSessions(client: pg.Client): Promise<TargetSession[]> {
  const { rows } = await client.query<{ pid: number; user: string; application: string; client_address: string }>(OTHER_SESSIONS);
  return rows.map((r) => ({ pid: r.pid, user: r.user, application: r.application, clientAddress: r.client_address }));
}

/** "pid 123 (app@10.0.0.5 as orders)" for messages. */
export function describeSessions(sessions: readonly TargetSession[], max = 5): string {
  const shown = sessions
    .slice(0, max)
    .map((s) => `pid ${s.pid} (${s.application || 'no application name'}@${s.clientAddress} as ${s.user || '?'})`);
  return `${shown.join(', ')}${sessions.length > max ? `, and ${sessions.length - max} more` : ''}`;
}

/**
 * Ends every other session on the database (pg_terminate_backend) and waits, up to `timeoutMs`, until they are
 * gone. Returns how many it ended; throws naming the privilege when PostgreSQL refuses, or the sessions that
 * stayed, so the restore stops before it changes anything.
 */
export async function terminateOtherSessions(client: pg.Client, timeoutMs = 10_000): Promise<number> {
  const sessions = await otherSessions(client);
  if (sessions.length === 0) return 0;
  try {
    for (const session of sessions) {
      await client.query('SELECT pg_terminate_backend($1)', [session.pid]);
    }
  } catch (error) {
    throw new PgBackupError(
      `could not end the other sessions on the target (${describeSessions(sessions)}): ${(error as Error).message}. ${TERMINATE_PRIVILEGE}`,
      { cause: error },
    );
  }
  const deadline = Date.now() + timeoutMs;
  let remaining = await otherSessions(client);
  const ended = new Set(sessions.map((s) => s.pid));
  while (remaining.some((s) => ended.has(s.pid)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    remaining = await otherSessions(client);
  }
  const stayed = remaining.filter((s) => ended.has(s.pid));
  if (stayed.length > 0) {
    throw new PgBackupError(
      `${stayed.length} session(s) on the target were asked to end but are still there after ${timeoutMs / 1000} s (${describeSessions(stayed)}): ${TERMINATE_PRIVILEGE}`,
    );
  }
  return sessions.length;
}
