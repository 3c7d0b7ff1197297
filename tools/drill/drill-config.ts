import { example } from '../../config/stages/example.js';
import type { AppConfig } from '../../lib/config/app-config.js';
import { inOneAccount } from '../local/one-account-stage.js';

/** The database id the drill backs up. */
export const DRILL_DATABASE_ID = 'shop';

/** The drill's throwaway PostgreSQL, as its stage names it. */
export interface DrillDatabase {
  /** TCP port of the throwaway cluster on 127.0.0.1. */
  readonly port: number;
  /** Database name in the cluster. */
  readonly database: string;
  /** ARN of the Secrets Manager secret (created in the emulator before synthesis) with its username and password. */
  readonly secretArn: string;
}

/**
 * The example stage, with one database: the drill's throwaway PostgreSQL, by host and port, its
 * credentials in a secret the drill created, and the replica in the emulator's one account. What the drill deploys to moto, so the deployed task
 * definitions name the real database and secret and nothing needs overriding when they run.
 */
export function drillConfig(database: DrillDatabase): AppConfig {
  // One emulator is one account: the drill keeps the replica in the main account (a trial, not production).
  return {
    ...inOneAccount(example),
    databases: [
      {
        id: DRILL_DATABASE_ID,
        connection: { host: '127.0.0.1', port: database.port, database: database.database },
        secretArn: database.secretArn,
        // The throwaway cluster has no TLS; AWS stages keep the default, require.
        sslMode: 'disable',
        smokeQueries: ['SELECT count(*) > 0 FROM orders'],
      },
    ],
  };
}
