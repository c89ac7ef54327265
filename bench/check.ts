/**
 * CI gas check (`npm run bench:check`): runs the benchmark, then fails when
 * - an operation exceeds its budget in bench/budgets.json (always, except budgets marked `missed`: those are
 *   reported, and held to the snapshot like every operation), or
 * - an operation grows more than `snapshotTolerancePct` over bench/gas-snapshot.json, or a snapshotted operation
 *   is no longer measured, unless the snapshot is updated in the same commit (see `snapshotUpdatedInCommit`)
 *   or GAS_SNAPSHOT_UPDATE=1.
 *
 * BENCH_SKIP_RUN=1 checks the existing bench/results/gas.json instead of running the benchmark.
 * To accept new figures: `UPDATE_SNAPSHOT=1 npm run bench`, and commit bench/gas-snapshot.json with the change.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

import {
  RESULTS_JSON,
  ROOT,
  SNAPSHOT_GIT_PATH,
  type GasResults,
  compareWithSnapshot,
  evaluateBudgets,
  fmt,
  readBudgets,
  readJson,
  readSnapshot,
  snapshotUpdatedInCommit,
} from "./lib";

function signed(n: number): string {
  return `${n >= 0 ? "+" : "−"}${fmt(Math.abs(n))}`;
}

function percent(change: number): string {
  return `${change >= 0 ? "+" : "−"}${Math.abs(change).toFixed(2)} %`;
}

function runBench(): boolean {
  const started = Date.now();
  const run = spawnSync("npx", ["hardhat", "run", "--config", "hardhat.bench.config.ts", "bench/gas.ts"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (run.status !== 0) {
    console.error(`\nGas check: the benchmark failed (exit ${run.status ?? run.signal}).`);
    return false;
  }
  if (!existsSync(RESULTS_JSON) || statSync(RESULTS_JSON).mtimeMs < started) {
    console.error(`\nGas check: the benchmark did not write fresh results to ${RESULTS_JSON}.`);
    return false;
  }
  return true;
}

function main(): number {
  if (process.env.BENCH_SKIP_RUN !== "1" && !runBench()) return 1;
  const results = readJson<GasResults>(RESULTS_JSON);
  const budgets = readBudgets();
  const failures: string[] = [];

  const known: string[] = [];
  for (const verdict of evaluateBudgets(budgets, results)) {
    const { operation, missed } = verdict.budget;
    if (verdict.ok && missed !== undefined) {
      console.log(`\nNote: ${operation} now meets its budget (${verdict.limit}); remove its "missed" field.`);
    } else if (!verdict.ok && missed !== undefined && verdict.gas !== undefined) {
      known.push(`known miss  ${operation}: ${verdict.detail}\n    ${missed}`);
    } else if (!verdict.ok) failures.push(`over budget  ${operation}: ${verdict.detail}`);
  }
  if (known.length > 0) {
    console.log(`\nBudgets missed knowingly (held to the snapshot instead, see bench/budgets.json):`);
    for (const line of known) console.log(`  ${line}`);
  }

  const snapshot = readSnapshot();
  const tolerance = budgets.snapshotTolerancePct;
  if (snapshot === undefined) {
    failures.push(`no snapshot: run \`UPDATE_SNAPSHOT=1 npm run bench\` and commit ${SNAPSHOT_GIT_PATH}`);
  } else {
    const update =
      process.env.GAS_SNAPSHOT_UPDATE === "1"
        ? { updated: true, how: "GAS_SNAPSHOT_UPDATE=1" }
        : snapshotUpdatedInCommit();
    const diffs = compareWithSnapshot(snapshot, results);
    const changed = diffs.filter((d) => d.changePct !== 0);
    if (changed.length > 0) {
      console.log(`\nChanges against ${SNAPSHOT_GIT_PATH}:`);
      for (const d of changed) {
        if (d.gas === undefined) console.log(`  ${d.operation}: in the snapshot, not measured any more`);
        else if (d.snapshot === undefined) console.log(`  ${d.operation}: new, ${fmt(d.gas)}`);
        else {
          const delta = d.gas - d.snapshot;
          console.log(
            `  ${d.operation}: ${fmt(d.snapshot)} → ${fmt(d.gas)} (${signed(delta)}, ${percent(d.changePct!)})`,
          );
        }
      }
    }
    const grown = diffs.filter((d) => d.changePct !== undefined && d.changePct > tolerance);
    const dropped = diffs.filter((d) => d.gas === undefined);
    if (update.updated) {
      if (grown.length + dropped.length > 0) {
        console.log(`\nSnapshot updated (${update.how}): growth over ${tolerance} % accepted.`);
      }
    } else {
      for (const d of grown) {
        failures.push(
          `over snapshot  ${d.operation}: ${fmt(d.gas!)} vs ${fmt(d.snapshot!)} ` +
            `(${signed(d.gas! - d.snapshot!)}, +${d.changePct!.toFixed(2)} % > ${tolerance} %)`,
        );
      }
      for (const d of dropped) failures.push(`missing  ${d.operation}: in the snapshot but not measured`);
      if (grown.length + dropped.length > 0) {
        failures.push(
          `(${SNAPSHOT_GIT_PATH} not updated: ${update.how}. If the cost is intended, run ` +
            "`UPDATE_SNAPSHOT=1 npm run bench` and commit the snapshot with the change, saying why in the message.)",
        );
      }
    }
    const shrunk = diffs.filter((d) => d.changePct !== undefined && d.changePct < -tolerance);
    if (shrunk.length > 0) {
      console.log(
        `\nNote: ${shrunk.length} operation(s) got more than ${tolerance} % cheaper; refresh the snapshot with ` +
          "`UPDATE_SNAPSHOT=1 npm run bench`.",
      );
    }
  }

  if (failures.length > 0) {
    console.error(`\nGas check FAILED (${failures.length}):`);
    for (const failure of failures) console.error(`  ${failure}`);
    return 1;
  }
  console.log(
    `\nGas check passed: ${Object.keys(results).length} operations within budgets and the snapshot` +
      (known.length > 0 ? ` (${known.length} budget(s) missed knowingly, listed above).` : "."),
  );
  return 0;
}

process.exitCode = main();
