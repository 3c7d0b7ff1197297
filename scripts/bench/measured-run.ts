import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { childPids, ownCpuSeconds } from './cpu-seconds.js';

/** What one benchmarked command cost. */
export interface Measurement {
  readonly wallSeconds: number;
  /** Sum over the process tree of each process's peak resident set (VmHWM), in bytes. */
  readonly peakTreeRssBytes: number;
  /** Peak resident set of the top process alone (for `pg-backup`, the CLI itself). */
  readonly peakMainRssBytes: number;
  /**
   * CPU seconds (user + system) by command name (`node`, `zstd`, `pg_dump`...), each process's last
   * reading before it exited: within 50 ms per process. The shell running a pipeline is left out.
   */
  readonly cpuSecondsByCommand: Readonly<Record<string, number>>;
  /**
   * When processes of each command name were first and last seen alive, in seconds from the start
   * (within the 50 ms poll): where in the wall time a command ran, such as pg_dump inside pg-backup dump.
   */
  readonly lifetimeByCommand: Readonly<Record<string, { readonly firstSeen: number; readonly lastSeen: number }>>;
  readonly stdout: string;
}

function command(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function peakRss(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `bash -c script` and measures wall time and memory by polling /proc every 50 ms: every
 * process of the tree keeps its highest VmHWM seen (VmHWM only grows, so the last reading before a
 * process exits is within 50 ms of its peak), and its CPU time likewise. Fails with the script's
 * stderr on a non-zero exit.
 */
export async function measure(script: string, env: NodeJS.ProcessEnv = process.env): Promise<Measurement> {
  const started = process.hrtime.bigint();
  const child = spawn('bash', ['-o', 'pipefail', '-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const peaks = new Map<number, number>();
  const names = new Map<number, string>();
  const cpu = new Map<number, number>();
  const lifetimeByCommand: Record<string, { firstSeen: number; lastSeen: number }> = {};
  const poll = () => {
    const now = Number(process.hrtime.bigint() - started) / 1e9;
    const queue = [child.pid!];
    while (queue.length > 0) {
      const pid = queue.pop()!;
      const rss = peakRss(pid);
      if (rss !== undefined) {
        peaks.set(pid, Math.max(peaks.get(pid) ?? 0, rss));
        const name = command(pid);
        names.set(pid, name);
        lifetimeByCommand[name] = { firstSeen: lifetimeByCommand[name]?.firstSeen ?? now, lastSeen: now };
      }
      const seconds = ownCpuSeconds(pid);
      if (seconds !== undefined) cpu.set(pid, seconds);
      queue.push(...childPids(pid));
    }
  };
  const timer = setInterval(poll, 50);
  poll();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (exitCode !== 0) throw new Error(`benchmark step failed (exit ${exitCode}): ${script}\n${stderr}`);
  // The shell running a pipeline is not part of what we measure; a single command replaces it (exec).
  const measured = [...peaks].filter(([pid]) => names.get(pid) !== 'bash');
  const cpuSecondsByCommand: Record<string, number> = {};
  for (const [pid, seconds] of cpu) {
    const name = names.get(pid) ?? command(pid);
    if (name === 'bash' || !name) continue;
    cpuSecondsByCommand[name] = (cpuSecondsByCommand[name] ?? 0) + seconds;
  }
  return {
    wallSeconds,
    cpuSecondsByCommand,
    lifetimeByCommand,
    peakTreeRssBytes: measured.reduce((sum, [, rss]) => sum + rss, 0),
    peakMainRssBytes: measured[0]?.[1] ?? 0,
    stdout,
  };
}
