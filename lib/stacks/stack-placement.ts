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
 * Monitored databases per monitoring stack: each costs an alarm over up to seven metrics and a sixth of a
 * parameter (about 4.5 KB of template with ids like `tenant-001`, more with longer ids and instance names), so
 * 100 stay far under 450 resources and, with the dashboard's list of every alarm, near 600 KB of the 900 KB
 * allowed: room for ids five times as long. (150 came to 800 KB, where CDK warns that a template nears its limit.)
 */
export const MONITORED_DATABASES_PER_STACK = 100;
