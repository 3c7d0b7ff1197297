import { describe, expect, test } from 'vitest';
import { DEFAULT_STAGE, STAGES } from '../../config/stages/index.js';
import { appConfigProblems } from '../../lib/config/validate-app-config.js';

describe('deployment stages', () => {
  test('the default stage is the offline example: account 123456789012, eu-west-1 -> eu-central-1, orders-db, e-mail only', () => {
    const config = STAGES[DEFAULT_STAGE]!;
    expect(DEFAULT_STAGE).toBe('example');
    expect(config).toMatchObject({
      account: '123456789012',
      primaryRegion: 'eu-west-1',
      replicaRegion: 'eu-central-1',
      databases: [{ id: 'orders-db' }],
    });
    expect(config.alerts.emails).toEqual(['backup-alerts@example.com']);
    expect(config.alerts.slack).toBeUndefined();
  });

  test.each(Object.keys(STAGES))('stage %s is valid', (name) => {
    expect(appConfigProblems(STAGES[name]!)).toEqual([]);
  });
});
