import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DatabaseStatus } from '../../src/contract/freshness/evaluate.js';

/**
 * What was last said about one database, kept in DynamoDB (not in the backup bucket, whose
 * objects are immutable and whose writers we keep to the dump and verify tasks).
 */
export interface AlertState {
  readonly databaseId: string;
  /** `ok`, or the sorted problem kinds joined by commas: a change of this is a change of state. */
  readonly state: string;
  /** When the current state was first seen (ISO). */
  readonly since: string;
  /** When the last message about this state went out (ISO); absent for `ok` never announced. */
  readonly lastNotifiedAt?: string;
}

export type Notification = 'problem' | 'reminder' | 'recovered';

export function stateOf(status: DatabaseStatus): string {
  return status.ok ? 'ok' : [...new Set(status.problems.map((p) => p.kind))].sort().join(',');
}

/**
 * Whether to speak, and the state to remember. Messages go out on a change of state (including
 * recovery) and as a reminder while a problem lasts, never on every run.
 */
export function decideNotification(
  previous: AlertState | undefined,
  status: DatabaseStatus,
  now: Date,
  reminderEverySeconds: number,
): { notification?: Notification; next: AlertState } {
  const state = stateOf(status);
  const at = now.toISOString();
  const base = { databaseId: status.databaseId, state };
  if (!previous || previous.state !== state) {
    // A new problem set keeps the start of the outage; recovery and first sight start afresh.
    const since = previous && previous.state !== 'ok' && state !== 'ok' ? previous.since : at;
    if (state === 'ok') {
      return previous ? { notification: 'recovered', next: { ...base, since, lastNotifiedAt: at } } : { next: { ...base, since } };
    }
    return { notification: 'problem', next: { ...base, since, lastNotifiedAt: at } };
  }
  if (state !== 'ok' && previous.lastNotifiedAt && now.getTime() - Date.parse(previous.lastNotifiedAt) >= reminderEverySeconds * 1000) {
    return { notification: 'reminder', next: { ...previous, lastNotifiedAt: at } };
  }
  return { next: previous };
}

export class AlertStateStore {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(databaseId: string): Promise<AlertState | undefined> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: { databaseId: { S: databaseId } }, ConsistentRead: true }),
    );
    if (!Item?.state?.S || !Item.since?.S) return undefined;
    return { databaseId, state: Item.state.S, since: Item.since.S, lastNotifiedAt: Item.lastNotifiedAt?.S };
  }

  async put(state: AlertState): Promise<void> {
    await this.dynamodb.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          databaseId: { S: state.databaseId },
          state: { S: state.state },
          since: { S: state.since },
          ...(state.lastNotifiedAt ? { lastNotifiedAt: { S: state.lastNotifiedAt } } : {}),
        },
      }),
    );
  }
}
