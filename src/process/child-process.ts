import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { commandFailed } from '../errors.js';

/** A started tool (pg_dump, zstd, pg_restore...) and a promise for its successful end. */
export interface RunningTool {
  readonly child: ChildProcess;
  readonly name: string;
  /** Resolves when the tool exits 0; rejects with its exit code or signal and the tail of its stderr. */
  readonly finished: Promise<void>;
  /** Stops the tool (SIGTERM, then SIGKILL after 3 s) if it is still running. */
  kill(): void;
}

export interface StartToolOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly stdio?: StdioOptions;
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * Spawns a tool whose stderr is kept (the last 64 KiB) for the error message. Arguments never
 * carry secrets: connection passwords travel in the environment (see postgres/connection.ts).
 */
export function startTool(name: string, program: string, args: readonly string[], options: StartToolOptions = {}): RunningTool {
  const child = spawn(program, args, {
    env: options.env ?? process.env,
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-65_536);
  });
  const finished = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(commandFailed(name, { stderr: error.message })));
    child.once('close', (exitCode, signal) => {
      if (exitCode === 0) resolve();
      else reject(commandFailed(name, { exitCode, signal, stderr }));
    });
  });
  // A failure is reported by whoever awaits `finished`; never as an unhandled rejection.
  finished.catch(() => undefined);
  const kill = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, 3000).unref();
  };
  return { child, name, finished, kill };
}

/** Runs a tool to completion and returns its stdout as text. */
export async function runTool(
  name: string,
  program: string,
  args: readonly string[],
  options: StartToolOptions & { input?: string } = {},
): Promise<string> {
  const tool = startTool(name, program, args, { ...options, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  tool.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  if (options.input !== undefined) tool.child.stdin?.end(options.input);
  await tool.finished;
  return stdout;
}
