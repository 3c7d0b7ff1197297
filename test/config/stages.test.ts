import { describe, expect, test } from 'vitest';
import { DEFAULT_STAGE, STAGES } from '../../config/stages/index.js';
import { appConfigProblems } from '../../lib/config/validate-app-config.js';

describe('deployment stages', () => {
  test('the default stage is the offline example: production, account 123456789012 in eu-west-1, its vault 210987654321 in eu-central-1, orders-db, e-mail only', () => {
    const config = STAGES[DEFAULT_STAGE]!;
    expect(DEFAULT_STAGE).toBe('example');
    expect(config).toMatchObject({
      production: true,
      account: '123456789012',
      primaryRegion: 'eu-west-1',
      vault: { account: '210987654321', region: 'eu-central-1' },
      storage: { objectLock: { mode: 'COMPLIANCE', days: 400 } },
      databases: [{ id: 'orders-db' }],
    });
    expect(config.alerts.emails).toEqual(['backup-alerts@example.com']);
    expect(config.alerts.slack).toBeUndefined();
  });

  test.each(Object.keys(STAGES))('stage %s is valid', (name) => {
    expect(appConfigProblems(STAGES[name]!)).toEqual([]);
  });
});
