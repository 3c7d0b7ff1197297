/**
 * How long-running work tells the person or the log what it is doing. The runtime modules only
 * call this interface; the CLI picks a terminal or a JSON-lines implementation (cli/reporters.ts).
 */
export interface Reporter {
  /** One thing happened: "dump started", "upload complete". Fields must never hold secrets. */
  event(message: string, fields?: Record<string, unknown>): void;
  /** A problem that does not stop the work. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Bytes done so far in a long step; `total` is an estimate when known. */
  progress(step: string, bytes: number, total?: number): void;
  /** The long step ended (clears a progress bar). */
  progressDone(step: string): void;
}

/** Reports nothing: for tests and library callers that do not care. */
export const silentReporter: Reporter = {
  event: () => undefined,
  warn: () => undefined,
  progress: () => undefined,
  progressDone: () => undefined,
};
