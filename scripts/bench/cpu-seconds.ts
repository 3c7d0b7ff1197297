import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** A process's CPU clock ticks from /proc/<pid>/stat: its own (user + system), and those of the children it has reaped. */
function cpuTicks(pid: number): { own: number; reapedChildren: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name, in parentheses, may hold spaces: the numbered fields start after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 to 17 of proc(5) (utime, stime, cutime, cstime) are 11 to 14 here, counted from field 3.
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return { own: utime + stime, reapedChildren: cutime + cstime };
}

/** CPU seconds (user + system) a running process has used itself. */
export function ownCpuSeconds(pid: number): number | undefined {
  const ticks = cpuTicks(pid);
  return ticks && ticks.own / TICKS_PER_SECOND;
}

/** The process ids of a running process's children (none once it has exited). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU seconds a PostgreSQL server has used so far: the postmaster, the backends and workers that have
 * exited (the postmaster reaps them, so theirs is in its children's time) and those still running.
 * The difference across a benchmark step is what the step cost the server.
 */
export function serverCpuSeconds(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const ticks = cpuTicks(postmaster);
  if (!ticks) throw new Error(`no PostgreSQL server running with pid ${postmaster} (${dataDir}/postmaster.pid)`);
  let total = ticks.own + ticks.reapedChildren;
  for (const child of childPids(postmaster)) {
    const running = cpuTicks(child);
    if (running) total += running.own + running.reapedChildren;
  }
  return total / TICKS_PER_SECOND;
}
