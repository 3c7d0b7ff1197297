import type pg from 'pg';

/** What the drill broke, for the report. */
export interface Disaster {
  readonly droppedTable: string;
  readonly corruptedTable: string;
  readonly corruptedRows: number;
  readonly at: Date;
}

/**
 * The kind of damage backups exist for: an operator drops a table, and a bad deploy overwrites
 * a third of another table's rows.
 */
export async function simulateDisaster(client: pg.Client): Promise<Disaster> {
  const at = new Date();
  await client.query('DROP TABLE order_items');
  const corrupted = await client.query(
    "UPDATE orders SET total = 0, status = 'cancelled', notes = 'overwritten by a bad deploy' WHERE id % 3 = 0",
  );
  return { droppedTable: 'public.order_items', corruptedTable: 'public.orders', corruptedRows: corrupted.rowCount ?? 0, at };
}
