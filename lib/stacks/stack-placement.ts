/**
 * Which of a kind's numbered stacks holds a database: by its position in the stage's `databases` (every
 * entry counts, monitored-only and retired ones too), in blocks of `perStack`. Appending a database never
 * moves another one; removing an entry would, which is why retired databases keep theirs
 * (DatabaseConfig.retired).
 */
export function stackNumber(position: number, perStack: number): number {
  return Math.floor(position / perStack) + 1;
}

/** `<base>` for the first stack of a kind, `<base>-<n>` for the next ones. */
export function numberedStackName(base: string, number: number): string {
  return number === 1 ? base : `${base}-${number}`;
}

/** The entries of `items` grouped by stack number (1-based), in order, from their positions. */
export function byStack<T>(items: readonly { readonly position: number; readonly item: T }[], perStack: number): Map<number, T[]> {
  const stacks = new Map<number, T[]>();
  for (const { position, item } of items) {
    const n = stackNumber(position, perStack);
    stacks.set(n, [...(stacks.get(n) ?? []), item]);
  }
  return stacks;
}

/**
 * Monitored databases per monitoring stack: each costs an alarm and an eighth of a parameter (about 3.5 KB of
 * template), so 150 stay far under 450 resources and, with the dashboard's list of every alarm, under 900 KB.
 */
export const MONITORED_DATABASES_PER_STACK = 150;
