/**
 * Fails when contract coverage (mocks excluded by .solcover.js) falls below the gate.
 * Reads coverage/coverage-summary.json written by `npm run coverage` (istanbul json-summary).
 */
import { readFileSync } from "node:fs";

const MIN_LINES = Number(process.env.MIN_LINES ?? 95);
const MIN_BRANCHES = Number(process.env.MIN_BRANCHES ?? 90);

type Metric = { total: number; covered: number; pct: number };
type Summary = Record<string, { lines: Metric; branches: Metric; functions: Metric; statements: Metric }>;

const summary: Summary = JSON.parse(readFileSync("coverage/coverage-summary.json", "utf8"));
const rows = Object.entries(summary)
  .filter(([file]) => file !== "total")
  .map(([file, m]) => [file.replace(/.*contracts\//, "contracts/"), m] as const);

console.log("file".padEnd(48), "lines".padStart(8), "branches".padStart(10), "functions".padStart(10));
for (const [file, m] of rows) {
  console.log(
    file.padEnd(48),
    `${m.lines.pct}%`.padStart(8),
    `${m.branches.pct}%`.padStart(10),
    `${m.functions.pct}%`.padStart(10),
  );
}
const total = summary.total;
console.log(
  "total".padEnd(48),
  `${total.lines.pct}%`.padStart(8),
  `${total.branches.pct}%`.padStart(10),
  `${total.functions.pct}%`.padStart(10),
);
const failures: string[] = [];
if (total.lines.pct < MIN_LINES) failures.push(`lines ${total.lines.pct}% < ${MIN_LINES}%`);
if (total.branches.pct < MIN_BRANCHES) failures.push(`branches ${total.branches.pct}% < ${MIN_BRANCHES}%`);
if (failures.length > 0) {
  console.error(`coverage gate FAILED: ${failures.join(", ")}`);
  process.exit(1);
}
console.log(`coverage gate passed (lines >= ${MIN_LINES}%, branches >= ${MIN_BRANCHES}%)`);
