import { formatBytes } from '../contract/freshness/duration.js';
import { TASK_ENV } from '../contract/task-environment.js';
import type { Reporter } from '../reporting/reporter.js';

/**
 * Logs go to stderr (stdout is for results such as `list --json`). On a terminal: readable lines
 * and a progress bar with bytes, rate and ETA. Elsewhere (ECS, CloudWatch Logs): one JSON object
 * per line, and a progress line every 10 s.
 */
export function reporterFor(stream: NodeJS.WriteStream = process.stderr, format = process.env[TASK_ENV.logFormat]): Reporter {
  const json = format === 'json' || (format !== 'text' && !stream.isTTY);
  return json ? jsonLinesReporter(stream) : terminalReporter(stream);
}

/** Drops anything that looks like a password in a URL, in case a message quotes one. */
function scrub(text: string): string {
  return text.replace(/(\/\/[^:/@\s]*:)[^@/\s]*@/g, '$1***@');
}

export function jsonLinesReporter(stream: NodeJS.WritableStream, progressEveryMs = 10_000): Reporter {
  const write = (level: string, msg: string, fields?: Record<string, unknown>) =>
    stream.write(`${scrub(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }))}\n`);
  const steps = new Map<string, { started: number; lastLogged: number }>();
  return {
    event: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    progress(step, bytes, total) {
      const now = Date.now();
      const state = steps.get(step) ?? { started: now, lastLogged: now };
      steps.set(step, state);
      if (now - state.lastLogged < progressEveryMs) return;
      state.lastLogged = now;
      const rate = bytes / Math.max((now - state.started) / 1000, 0.001);
      write('info', 'progress', { step, bytes, ...(total ? { totalEstimate: total } : {}), bytesPerSecond: Math.round(rate) });
    },
    progressDone: (step) => void steps.delete(step),
  };
}

export function terminalReporter(stream: NodeJS.WriteStream): Reporter {
  const steps = new Map<string, { started: number; lastDrawn: number }>();
  let barShown = false;
  const clearBar = () => {
    if (barShown) stream.write('\r\x1b[2K');
    barShown = false;
  };
  const line = (prefix: string, msg: string, fields?: Record<string, unknown>) => {
    clearBar();
    const details = Object.entries(fields ?? {})
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    stream.write(scrub(`${prefix} ${msg}${details ? `  ${details}` : ''}\n`));
  };
  return {
    event: (msg, fields) => line('•', msg, fields),
    warn: (msg, fields) => line('!', msg, fields),
    progress(step, bytes, total) {
      const now = Date.now();
      const state = steps.get(step) ?? { started: now, lastDrawn: 0 };
      steps.set(step, state);
      if (now - state.lastDrawn < 200) return;
      state.lastDrawn = now;
      const seconds = Math.max((now - state.started) / 1000, 0.001);
      const rate = bytes / seconds;
      const width = 24;
      const fraction = total ? Math.min(bytes / total, 1) : undefined;
      const bar = fraction === undefined ? '' : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '-')}] `;
      const eta = total && rate > 0 && bytes < total ? `  ETA ${Math.ceil((total - bytes) / rate)}s` : '';
      stream.write(
        `\r\x1b[2K${step.padEnd(8)} ${bar}${formatBytes(bytes)}${total ? ` / ~${formatBytes(total)}` : ''}  ${formatBytes(rate)}/s${eta}`,
      );
      barShown = true;
    },
    progressDone(step) {
      steps.delete(step);
      clearBar();
    },
  };
}
