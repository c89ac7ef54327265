/**
 * Gas of scored programs (`npm run bench:epochs-gas`): prints the table, writes bench/results/epochs-gas.json, and
 * with UPDATE_SNAPSHOT=1 rewrites the committed bench/epochs-gas-snapshot.json. Kept apart from bench/gas.ts so the
 * pools' benchmark and this one change independently.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import hre from "hardhat";

import { measureEpochGas } from "./epochsGasLib";

async function main(): Promise<void> {
  const results = await measureEpochGas(hre);
  const budgets = JSON.parse(readFileSync(join(__dirname, "epochs-budgets.json"), "utf8")).budgets as {
    operation: string;
    max: number;
    target?: number;
  }[];
  const snapshotPath = join(__dirname, "epochs-gas-snapshot.json");
  let snapshot: Record<string, number> = {};
  try {
    snapshot = JSON.parse(readFileSync(snapshotPath, "utf8"));
  } catch {
    // No snapshot yet.
  }
  console.log("| operation | gas | snapshot | budget (max) | issue target |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [op, gas] of Object.entries(results)) {
    const b = budgets.find((x) => x.operation === op);
    const target =
      b?.target === undefined ? "" : `${b.target.toLocaleString("en")}${gas > b.target ? " (missed)" : ""}`;
    console.log(
      `| ${op} | ${gas.toLocaleString("en")} | ${snapshot[op]?.toLocaleString("en") ?? "—"} | ${b?.max.toLocaleString("en") ?? ""} | ${target} |`,
    );
  }
  mkdirSync(join(__dirname, "results"), { recursive: true });
  writeFileSync(join(__dirname, "results", "epochs-gas.json"), `${JSON.stringify(results, null, 2)}\n`);
  if (process.env.UPDATE_SNAPSHOT === "1")
    writeFileSync(snapshotPath, `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
