/**
 * The walk behind /kc/lineage/:digest: ancestors (level < 0) and descendants (level > 0) of a root, breadth first,
 * at most `maxNodes` nodes in all. Anyone can register derivatives of a popular artifact, so without a bound one
 * request would read every one of them (and the node query's IN list would outgrow the database's parameters).
 */

export type Hex = `0x${string}`;
export interface LineageRow {
  id: string;
  child: Hex;
  parent: Hex;
}
/** Lineage rows whose child (dir -1) or parent (dir 1) is in `frontier`, at most `limit` of them. */
export type RowsOf = (dir: -1 | 1, frontier: Hex[], limit: number) => Promise<LineageRow[]>;

export const MAX_LINEAGE_NODES = 500;

export async function walkLineage(
  root: Hex,
  depth: number,
  rowsOf: RowsOf,
  maxNodes = MAX_LINEAGE_NODES,
): Promise<{ levels: Map<Hex, number>; edges: { child: Hex; parent: Hex }[]; truncated: boolean }> {
  const edges = new Map<string, { child: Hex; parent: Hex }>();
  const levels = new Map<Hex, number>([[root, 0]]);
  let truncated = false;
  for (const dir of [-1, 1] as const) {
    let frontier: Hex[] = [root];
    for (let d = 1; d <= depth && frontier.length > 0; d++) {
      // One more row than could still fit: a full answer may have been cut.
      const rows = await rowsOf(dir, frontier, maxNodes - levels.size + 1);
      if (rows.length >= maxNodes - levels.size + 1) truncated = true;
      const next: Hex[] = [];
      for (const e of rows) {
        const other = dir < 0 ? e.parent : e.child;
        if (!levels.has(other)) {
          if (levels.size >= maxNodes) {
            truncated = true;
            continue;
          }
          levels.set(other, dir * d);
          next.push(other);
        }
        edges.set(e.id, { child: e.child, parent: e.parent });
      }
      frontier = next;
    }
  }
  return { levels, edges: [...edges.values()], truncated };
}
