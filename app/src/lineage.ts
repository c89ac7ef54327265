/** The lineage graph as SVG: one column per generation (ancestors left, descendants right); a node links to its page. */
export interface LineageNode {
  digest: string;
  kind: string;
  retracted: boolean;
  upstreamBps: number;
  level: number;
}
export interface LineageEdge {
  child: string;
  parent: string;
}

const W = 170;
const H = 44;
const GAP_X = 70;
const GAP_Y = 18;
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Columns by longest path, so every edge points right: a parent sits left of each of its children. */
function layer(root: string, nodes: LineageNode[], edges: LineageEdge[]): Map<string, number> {
  const level = new Map(nodes.map((n) => [n.digest, n.level]));
  for (let pass = 0; pass < nodes.length; pass++) {
    let moved = false;
    for (const { child, parent } of edges) {
      const c = level.get(child);
      const p = level.get(parent);
      if (c === undefined || p === undefined || p < c) continue;
      // Ancestors move left, descendants move right; the root stays at 0.
      if (c <= 0 && parent !== root) level.set(parent, c - 1);
      else if (child !== root) level.set(child, p + 1);
      moved = true;
    }
    if (!moved) break;
  }
  return level;
}

export function lineageSvg(root: string, given: LineageNode[], edges: LineageEdge[]): string {
  const levels0 = layer(root, given, edges);
  const nodes = given.map((n) => ({ ...n, level: levels0.get(n.digest) ?? n.level }));
  const levels = [...new Set(nodes.map((n) => n.level))].sort((a, b) => a - b);
  const columns = new Map<number, LineageNode[]>();
  for (const n of nodes) columns.set(n.level, [...(columns.get(n.level) ?? []), n]);
  const tallest = Math.max(1, ...[...columns.values()].map((c) => c.length));
  const height = tallest * (H + GAP_Y) + GAP_Y + H;
  const width = Math.max(1, levels.length) * (W + GAP_X) + GAP_X - GAP_X / 2;
  const pos = new Map<string, { x: number; y: number }>();
  levels.forEach((level, col) => {
    const column = columns.get(level)!.sort((a, b) => a.digest.localeCompare(b.digest));
    const top = H + (height - H - column.length * (H + GAP_Y) + GAP_Y) / 2;
    column.forEach((n, row) =>
      pos.set(n.digest, { x: GAP_X / 2 + col * (W + GAP_X), y: top + row * (H + GAP_Y) }),
    );
  });
  const lines = edges
    .filter((e) => pos.has(e.child) && pos.has(e.parent))
    .map((e) => {
      const p = pos.get(e.parent)!;
      const c = pos.get(e.child)!;
      const [x1, y1, x2, y2] = [p.x + W, p.y + H / 2, c.x, c.y + H / 2];
      // An edge that skips columns bows above the boxes between its ends.
      const bow = x2 - x1 > GAP_X ? H * 1.4 : 0;
      const path = `M ${x1} ${y1} C ${x1 + GAP_X} ${y1 - bow}, ${x2 - GAP_X} ${y2 - bow}, ${x2} ${y2}`;
      return `<path class="edge" fill="none" d="${path}" marker-end="url(#arrow)"/>`;
    });
  const boxes = nodes.map((n) => {
    const { x, y } = pos.get(n.digest)!;
    const cls = [n.digest === root ? "root" : "", n.retracted ? "retracted" : ""].join(" ").trim();
    return (
      `<a href="#/artifact/${n.digest}" class="${cls}" data-digest="${n.digest}">` +
      `<title>${esc(n.digest)}</title>` +
      `<rect x="${x}" y="${y}" width="${W}" height="${H}" rx="6"/>` +
      `<text x="${x + 10}" y="${y + 18}">${esc(n.kind)}${n.retracted ? " (retracted)" : ""}</text>` +
      `<text x="${x + 10}" y="${y + 34}" class="mono">${n.digest.slice(0, 10)}…${n.digest.slice(-4)}</text></a>`
    );
  });
  return (
    `<svg class="lineage" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" role="img" aria-label="lineage graph">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" ` +
    `orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#94a3b8"/></marker></defs>` +
    lines.join("") +
    boxes.join("") +
    `</svg>`
  );
}
