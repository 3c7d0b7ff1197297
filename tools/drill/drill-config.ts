import { example } from '../../config/stages/example.js';
import type { AppConfig } from '../../lib/config/app-config.js';

/** The database id the drill backs up. */
export const DRILL_DATABASE_ID = 'shop';

/** The example stage, with the drill's database: what the drill deploys to moto. */
export function drillConfig(): AppConfig {
  return { ...example, databases: [{ id: DRILL_DATABASE_ID }] };
}
