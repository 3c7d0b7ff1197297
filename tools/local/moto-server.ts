import { type ChildProcess, spawn } from 'node:child_process';
import { PgBackupError } from '../../src/errors.js';
import { freePort } from '../../src/postgres/throwaway-cluster.js';

/** A running moto server (the AWS API emulator) on loopback. */
export interface MotoServer {
  /** Endpoint for AWS_ENDPOINT_URL. `localhost`, not 127.0.0.1: moto's CloudFormation parses template URLs by it. */
  readonly endpoint: string;
  readonly port: number;
  /** The server's process id (the benchmark reads its CPU time). */
  readonly pid: number;
  stop(): Promise<void>;
}

const INSTALL_HINT = "install it with: pip install 'moto[server]' (or set MOTO_SERVER to its path)";

/** Starts `moto_server -H 127.0.0.1 -p <free port>` and waits until it answers. */
export async function startMotoServer(): Promise<MotoServer> {
  const port = await freePort();
  const program = process.env.MOTO_SERVER ?? 'moto_server';
  const child: ChildProcess = spawn(program, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(new PgBackupError(`moto_server could not be started (${(error as Error).message}): ${INSTALL_HINT}`, { cause: error })),
    ),
  );

  const endpoint = `http://localhost:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };

  const deadline = Date.now() + 30_000;
  const ready = (async () => {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new PgBackupError(`moto_server exited with code ${child.exitCode}: ${stderr.trim()}`);
      }
      try {
        const response = await fetch(`${endpoint}/moto-api/data.json`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new PgBackupError(`moto_server did not answer on ${endpoint} within 30 s: ${stderr.trim()}`);
  })();

  try {
    await Promise.race([ready, spawnError]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, pid: child.pid!, stop };
}
