import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startThrowawayCluster } from '../../../src/postgres/throwaway-cluster.js';

describe('startThrowawayCluster', () => {
  it('starts a real server that accepts queries and removes every file on stop', async () => {
    // GIVEN a fresh throwaway cluster
    const cluster = await startThrowawayCluster();
    const dataDir = cluster.dataDir;
    try {
      // WHEN we query it over TCP
      const client = new pg.Client({ connectionString: cluster.url() });
      await client.connect();
      const { rows } = await client.query<{ answer: number }>('SELECT 6 * 7 AS answer');
      await client.end();
      // THEN it answers
      expect(rows[0].answer).toBe(42);
    } finally {
      await cluster.stop();
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('rejects a wrong password when a superuser password is set', async () => {
    const cluster = await startThrowawayCluster({ superuserPassword: 'right-password' });
    try {
      const client = new pg.Client({ host: cluster.host, port: cluster.port, user: 'postgres', password: 'wrong', database: 'postgres' });
      await expect(client.connect()).rejects.toThrow(/password authentication failed/);
    } finally {
      await cluster.stop();
    }
  });
});
