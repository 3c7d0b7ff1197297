/**
 * Collects every configuration problem so synth can report them all at once, each naming the
 * field (a path like `databases[1].id`) and echoing the offending value.
 */
export class ConfigProblems {
  private readonly problems: string[] = [];

  /** Records "`field` (value) must ...". */
  add(field: string, value: unknown, requirement: string): void {
    this.problems.push(`\`${field}\` (${formatValue(value)}) ${requirement}`);
  }

  get count(): number {
    return this.problems.length;
  }

  list(): readonly string[] {
    return [...this.problems];
  }

  /** Throws one InvalidConfigError listing every problem, if there is any. */
  throwIfAny(source: string): void {
    if (this.problems.length > 0) throw new InvalidConfigError(source, this.list());
  }
}

export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError';

  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid configuration in ${source} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return `'${value}'`;
  return JSON.stringify(value) ?? String(value);
}
