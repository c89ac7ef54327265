import { expect } from "chai";

import { type Hex, type LineageRow, type RowsOf, walkLineage } from "../../indexer/src/api/lineage";

/** The index's lineage walk (indexer/src/api/lineage.ts): exact on small graphs, bounded on a popular artifact. */
describe("index lineage walk", function () {
  const d = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
  /** A fake lineage table from [child, parent] pairs, answering as the SQL does (with its limit). */
  function table(pairs: [number, number][]): { rowsOf: RowsOf; asked: number[] } {
    const rows: LineageRow[] = pairs.map(([c, p], i) => ({
      id: `${i}`.padStart(6, "0"),
      child: d(c),
      parent: d(p),
    }));
    const asked: number[] = [];
    const rowsOf: RowsOf = async (dir, frontier, limit) => {
      const found = rows.filter((r) => frontier.includes(dir < 0 ? r.child : r.parent)).slice(0, limit);
      asked.push(found.length);
      return found;
    };
    return { rowsOf, asked };
  }

  it("levels and edges of a small graph, ancestors negative, descendants positive", async function () {
    // 1 ← 2 ← 4, 1 ← 3 ← 4 (a diamond), 0 ← 1
    const { rowsOf } = table([
      [1, 0],
      [2, 1],
      [3, 1],
      [4, 2],
      [4, 3],
    ]);
    const walk = await walkLineage(d(1), 3, rowsOf);
    expect([...walk.levels]).to.deep.equal([
      [d(1), 0],
      [d(0), -1],
      [d(2), 1],
      [d(3), 1],
      [d(4), 2],
    ]);
    expect(walk.edges).to.have.length(5);
    expect(walk.truncated).to.equal(false);
  });

  it("a root with 5,000 derivatives: at most 500 nodes, every edge between kept nodes, truncated", async function () {
    const pairs: [number, number][] = [];
    for (let i = 1; i <= 5000; i++) pairs.push([i, 0], [10_000 + i, i]);
    const { rowsOf, asked } = table(pairs);
    const walk = await walkLineage(d(0), 8, rowsOf);
    expect(walk.levels.size).to.equal(500);
    expect(walk.truncated).to.equal(true);
    expect(Math.max(...asked)).to.be.at.most(500);
    for (const e of walk.edges) expect(walk.levels.has(e.child) && walk.levels.has(e.parent)).to.equal(true);
  });
});
