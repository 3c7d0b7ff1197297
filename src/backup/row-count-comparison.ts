import type { TableRowCount } from '../contract/manifest.js';
import { type CountedTable, tableLabel } from '../postgres/table-counts.js';

/**
 * Every difference between the manifest's tables and row counts and what a restore holds, one
 * sentence each. A restored materialized view the manifest does not list is no difference: its rows
 * are recomputed by REFRESH, not carried by the dump (manifests before the counts came from the
 * dump stream list populated ones, and those are still compared).
 */
export function compareRowCounts(expected: readonly TableRowCount[], actual: readonly CountedTable[]): string[] {
  const restored = new Map(actual.map((t) => [tableLabel(t), t]));
  const mismatches: string[] = [];
  for (const table of expected) {
    const label = tableLabel(table);
    const rows = restored.get(label)?.rows;
    if (rows === undefined) mismatches.push(`table ${label} is in the manifest (${table.rows} rows) but missing after the restore`);
    else if (rows !== table.rows) mismatches.push(`table ${label} has ${rows} rows after the restore but the manifest says ${table.rows}`);
    restored.delete(label);
  }
  for (const [label, { rows, materializedView }] of restored)
    if (!materializedView) mismatches.push(`table ${label} (${rows} rows) was restored but is not in the manifest`);
  return mismatches;
}
