import type { AppConfig } from '../../lib/config/app-config.js';
import { example } from './example.js';

/** Every deployment stage by name; `cdk deploy -c stage=<name>` picks one. */
export const STAGES: Readonly<Record<string, AppConfig>> = { example };

export const DEFAULT_STAGE = 'example';
