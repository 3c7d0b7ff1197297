import type { TestProject } from 'vitest/node';
import { startThrowawayCluster } from '../../src/postgres/throwaway-cluster.js';
import { startMotoServer } from '../../tools/local/moto-server.js';

/**
 * One real PostgreSQL cluster and one real moto server for the whole test run. A missing
 * PostgreSQL or moto fails the run with an install hint (never a silent skip).
 * Tests read them with `inject('postgres')` / `inject('motoEndpoint')` (see ./services.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startThrowawayCluster({ superuserPassword: 'test-superuser-pw', fast: true });
  let moto: Awaited<ReturnType<typeof startMotoServer>>;
  try {
    moto = await startMotoServer();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  project.provide('postgres', {
    host: cluster.host,
    port: cluster.port,
    superuser: cluster.superuser,
    password: 'test-superuser-pw',
    socketDir: cluster.socketDir,
  });
  project.provide('motoEndpoint', moto.endpoint);
  return async () => {
    await moto.stop();
    await cluster.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: { host: string; port: number; superuser: string; password: string; socketDir: string };
    motoEndpoint: string;
  }
}
