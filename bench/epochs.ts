/**
 * Scale benchmark of scored epochs (`npm run bench:epochs`; not part of `npm test`): for 10^4, 10^5 and 10^6
 * generated artifacts (1 to 5 contributors, about 3 on average, drawn from as many accounts as artifacts; 60 % with
 * 1 to 16 parents; lineage depth at most 8; 0.1 % retracted), writes a usage file with a line for every artifact,
 * then times `build` (parse the usage file, allocate through every lineage level, build the tree, write the
 * allocation and every proof) and `verify` (parse, allocate, rebuild the root and the allocation hash). Each size
 * runs in its own process so its peak RSS is its own. Prints a table and writes bench/results/epochs.json.
 *
 *   npm run bench:epochs                 # 1e4, 1e5, 1e6
 *   EPOCH_SIZES=10000,100000 npm run bench:epochs
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, statSync, writeFileSync, createWriteStream } from "node:fs";
import os from "node:os";
import { join } from "node:path";

import { allocationHash, computeEpoch, writeEpoch, type Manifest } from "../src/epochs/epoch";
import { progressBar } from "../src/epochs/progress";
import type { RegistrySnapshot } from "../src/epochs/snapshot";
import { readUsage } from "../src/epochs/usage";

const OUT = join(__dirname, "results");
const MAX_DEPTH = 8;
const MAX_PARENTS = 16;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(rand: () => number, bytes: number): string {
  let s = "0x";
  for (let i = 0; i < bytes; i += 4)
    s += Math.floor(rand() * 2 ** 32)
      .toString(16)
      .padStart(8, "0");
  return s.slice(0, 2 + bytes * 2);
}

/** A registry of `n` artifacts, built straight into the snapshot's arrays. */
export function generateSnapshot(n: number, seed = 12): RegistrySnapshot {
  const rand = mulberry32(seed);
  const accounts: string[] = [];
  for (let i = 0; i < n; i++) accounts.push(hex(rand, 20));
  const digests: string[] = [];
  const index = new Map<string, number>();
  const upstreamBps = new Uint16Array(n);
  const retracted = new Uint8Array(n);
  const depth = new Uint8Array(n);
  const parentStart = new Uint32Array(n + 1);
  const contribStart = new Uint32Array(n + 1);
  const parents: number[] = [];
  const contribAccount: number[] = [];
  const contribShare: number[] = [];
  for (let i = 0; i < n; i++) {
    const digest = hex(rand, 32);
    digests.push(digest);
    index.set(digest, i);
    if (i > 0 && rand() < 0.6) {
      // Mostly 1-3 parents, sometimes up to 16.
      const want = rand() < 0.9 ? 1 + Math.floor(rand() * 3) : 1 + Math.floor(rand() * MAX_PARENTS);
      const chosen = new Set<number>();
      for (let tries = 0; chosen.size < Math.min(want, i) && tries < want * 4; tries++) {
        // Prefer recent artifacts, as derivatives usually build on recent work.
        const p = rand() < 0.5 ? Math.max(0, i - 1 - Math.floor(rand() * 1000)) : Math.floor(rand() * i);
        if (depth[p] < MAX_DEPTH) chosen.add(p);
      }
      let d = 0;
      for (const p of chosen) {
        parents.push(p);
        d = Math.max(d, depth[p] + 1);
      }
      depth[i] = d;
      if (chosen.size > 0) upstreamBps[i] = Math.floor(rand() * 3001);
    }
    parentStart[i + 1] = parents.length;
    const c = 1 + Math.floor(rand() * 5);
    const seen = new Set<number>();
    for (let k = 0; k < c; k++) {
      const a = Math.floor(rand() * n);
      if (seen.has(a)) continue;
      seen.add(a);
      contribAccount.push(a);
      contribShare.push(1 + Math.floor(rand() * 100));
    }
    contribStart[i + 1] = contribAccount.length;
    if (rand() < 0.001) retracted[i] = 1;
  }
  return {
    block: -1,
    digests,
    index,
    upstreamBps,
    retracted,
    parentStart,
    parents: Uint32Array.from(parents),
    contribStart,
    contribAccount: Uint32Array.from(contribAccount),
    contribShare: Uint32Array.from(contribShare),
    accounts,
  };
}

async function writeUsage(path: string, snapshot: RegistrySnapshot, seed = 7): Promise<void> {
  const rand = mulberry32(seed);
  const out = createWriteStream(path);
  out.write("digest,units\n");
  const lines: string[] = [];
  for (let i = 0; i < snapshot.digests.length; i++) {
    lines.push(`${snapshot.digests[i]},${rand() < 0.2 ? 0 : 1 + Math.floor(rand() * 100_000)}`);
    if (lines.length === 8192) {
      if (!out.write(`${lines.join("\n")}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
      lines.length = 0;
    }
  }
  out.write(lines.length ? `${lines.join("\n")}\n` : "");
  await new Promise<void>((r) => out.end(() => r()));
}

interface Row {
  artifacts: number;
  accounts: number;
  lineageHeight: number;
  generateSec: number;
  buildSec: number;
  buildCpuSec: number;
  verifySec: number;
  verifyCpuSec: number;
  peakRssMiB: number;
  proofsMiB: number;
  usageMiB: number;
  root: string;
  loadavgBefore: number[];
  loadavgAfter: number[];
}

/** `kc epoch build`'s work: read the usage file, allocate, build the tree, write allocation and proofs. */
async function build(
  n: number,
  dir: string,
  usagePath: string,
  snapshot: RegistrySnapshot,
  distributable: bigint,
): Promise<{ manifest: Manifest; accounts: number }> {
  const bar = progressBar(`build  ${n}`);
  const usage = await readUsage(usagePath, (l) => bar("read usage", l, n + 1));
  bar("read usage", n + 1, n + 1);
  const result = computeEpoch(snapshot, usage, distributable, undefined, bar);
  const { manifest } = await writeEpoch(
    dir,
    result,
    {
      format: "kc-epoch/1",
      chainId: null,
      programs: null,
      program: null,
      epoch: 1,
      block: -1,
      usage: {
        file: "usage.csv",
        sha256: usage.sha256,
        format: usage.format,
        entries: usage.digests.length,
        units: usage.totalUnits.toString(),
        skippedRetracted: result.allocation.skipped.length,
      },
      budget: null,
      dustIn: "0",
      distributable: distributable.toString(),
      previous: null,
    },
    bar,
  );
  bar.done();
  return { manifest, accounts: result.accounts.length };
}

async function runOne(n: number): Promise<Row> {
  const dir = join(OUT, `epochs-${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const loadavgBefore = os.loadavg();
  let t = Date.now();
  const snapshot = generateSnapshot(n);
  const usagePath = join(dir, "usage.csv");
  await writeUsage(usagePath, snapshot);
  const generateSec = (Date.now() - t) / 1000;
  const distributable = 1_000_000n * 10n ** 18n;

  // build (in its own function, so its usage and result are garbage before verify starts, as in two processes)
  t = Date.now();
  let cpu = process.cpuUsage();
  const { manifest, accounts } = await build(n, dir, usagePath, snapshot, distributable);
  const buildSec = (Date.now() - t) / 1000;
  const cpuSec = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;
  const buildCpuSec = cpuSec(process.cpuUsage(cpu));
  cpu = process.cpuUsage();

  // verify: everything from the public inputs again, compared with the manifest
  t = Date.now();
  const vbar = progressBar(`verify ${n}`);
  const usage2 = await readUsage(usagePath, (l) => vbar("read usage", l, n + 1));
  vbar("read usage", n + 1, n + 1);
  const again = computeEpoch(snapshot, usage2, distributable, undefined, vbar);
  const hash = await allocationHash(again);
  vbar.done();
  const verifySec = (Date.now() - t) / 1000;
  const verifyCpuSec = cpuSec(process.cpuUsage(cpu));
  if (again.root !== manifest.root || hash !== manifest.allocationSha256) {
    throw new Error(`verify mismatch at ${n}: ${again.root} vs ${manifest.root}`);
  }
  const conserved = again.allocation.allocated + again.allocation.dust === distributable;
  if (!conserved || again.cumulativeTotal !== again.allocation.allocated)
    throw new Error("sums do not add up");
  let height = 0;
  const hops = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = snapshot.parentStart[i]; j < snapshot.parentStart[i + 1]; j++) {
      hops[i] = Math.max(hops[i], hops[snapshot.parents[j]] + 1);
    }
    height = Math.max(height, hops[i]);
  }
  return {
    artifacts: n,
    accounts,
    lineageHeight: height,
    generateSec,
    buildSec,
    buildCpuSec,
    verifySec,
    verifyCpuSec,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    proofsMiB: Math.round(statSync(join(dir, "epoch-1", "proofs.csv")).size / 2 ** 20),
    usageMiB: Math.round(statSync(usagePath).size / 2 ** 20),
    root: manifest.root,
    loadavgBefore,
    loadavgAfter: os.loadavg(),
  };
}

async function main(): Promise<void> {
  const single = process.env.EPOCH_BENCH_ONE;
  if (single) {
    const row = await runOne(Number(single));
    process.stdout.write(`${JSON.stringify(row)}\n`);
    rmSync(join(OUT, `epochs-${single}`), { recursive: true, force: true });
    return;
  }
  const sizes = (process.env.EPOCH_SIZES ?? "10000,100000,1000000").split(",").map(Number);
  mkdirSync(OUT, { recursive: true });
  const rows: Row[] = [];
  for (const n of sizes) {
    const out = execFileSync(process.execPath, [...process.execArgv, __filename], {
      env: { ...process.env, EPOCH_BENCH_ONE: String(n) },
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 1 << 20,
    }).toString();
    rows.push(JSON.parse(out.trim().split("\n").pop()!));
  }
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  console.log(
    `\nnode ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB\n`,
  );
  console.log(
    "| artifacts | accounts (leaves) | lineage height | build s (CPU s) | verify s (CPU s) | peak RSS MiB | proofs.csv MiB | load avg before (1/5/15 min) | load avg after |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---|---|");
  for (const r of rows) {
    console.log(
      `| ${r.artifacts.toLocaleString("en")} | ${r.accounts.toLocaleString("en")} | ${r.lineageHeight} | ${r.buildSec.toFixed(1)} (${r.buildCpuSec.toFixed(1)}) | ${r.verifySec.toFixed(1)} (${r.verifyCpuSec.toFixed(1)}) | ${r.peakRssMiB} | ${r.proofsMiB} | ${la(r.loadavgBefore)} | ${la(r.loadavgAfter)} |`,
    );
  }
  writeFileSync(join(OUT, "epochs.json"), `${JSON.stringify({ node: process.version, rows }, null, 2)}\n`);
  const big = rows.find((r) => r.artifacts === 1_000_000);
  if (big && (big.buildSec > 60 || big.verifySec > 60 || big.peakRssMiB > 2048)) {
    console.error("over the target: 10^6 must build and verify in ≤ 60 s and ≤ 2 GiB peak RSS");
    process.exitCode = 1;
  }
}

if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
