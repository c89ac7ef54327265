/**
 * The index's "what can account X claim" at scale, on the part the index adds to the database: the SDK's log
 * reducer (src/poolsReducer.ts) that indexer/src/api/index.ts keeps up to date. 10,000 registrations and 100,000
 * pool events (one pool, every artifact admitted, the rest fundings), then `earnings(account)` for random
 * accounts. Ponder's own indexing throughput (RPC, database writes) is not measured here.
 *
 *   npx ts-node --transpile-only bench/index-query.ts
 */
import { performance } from "node:perf_hooks";

import { PoolsReducer, type ReducerLog } from "../src/poolsReducer";

const ARTIFACTS = Number(process.env.ARTIFACTS ?? 10_000);
const POOL_EVENTS = Number(process.env.POOL_EVENTS ?? 100_000);
const ACCOUNTS = 1_000;
const QUERIES = 200;

const hex = (n: number, bytes: number) => `0x${n.toString(16).padStart(bytes * 2, "0")}`;
const account = (i: number) => hex(0x1000 + i, 20);
const digest = (i: number) => hex(0xd000_0000 + i, 32);

const logs: ReducerLog[] = [];
let block = 1;
const at = (log: Omit<ReducerLog, "blockNumber" | "logIndex" | "timestamp">) =>
  logs.push({ ...log, blockNumber: block, logIndex: 0, timestamp: BigInt(1_700_000_000 + block++) });

for (let i = 0; i < ARTIFACTS; i++) {
  at({
    source: "registry",
    name: "ArtifactRegistered",
    args: {
      digest: digest(i),
      contributors: [
        { account: account(i % ACCOUNTS), share: "3" },
        { account: account((i * 7 + 1) % ACCOUNTS), share: "1" },
      ],
      parents: i > 0 && i % 10 === 0 ? [digest(i - 1)] : [],
      upstreamBps: i > 0 && i % 10 === 0 ? "1000" : "0",
    },
  });
}
at({
  source: "pools",
  name: "PoolCreated",
  args: { poolId: "1", token: hex(0xeeee, 20), curator: account(0), creator: account(0), curationDelay: "0" },
});
for (let i = 0; i < ARTIFACTS; i++)
  at({ source: "pools", name: "ArtifactAdmitted", args: { poolId: "1", artifact: digest(i), weight: "1" } });
for (let i = 0; logs.length < ARTIFACTS + POOL_EVENTS; i++)
  at({
    source: "pools",
    name: "PoolFunded",
    args: {
      poolId: "1",
      funder: account(i % ACCOUNTS),
      amount: "1000000000000000000",
      received: "1000000000000000000",
    },
  });

const r = new PoolsReducer();
let t = performance.now();
r.apply(logs);
const applyMs = performance.now() - t;
const now = logs[logs.length - 1].timestamp;
const times: number[] = [];
let slots = 0;
for (let q = 0; q < QUERIES; q++) {
  t = performance.now();
  slots += r.earnings(account((q * 37) % ACCOUNTS), now).length;
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(2);
console.log(
  `${ARTIFACTS} registrations + ${POOL_EVENTS} pool events: reducer applied in ${applyMs.toFixed(0)} ms; ` +
    `earnings(account) over ${QUERIES} accounts (${(slots / QUERIES).toFixed(1)} slots each): ` +
    `median ${pct(50)} ms, p95 ${pct(95)} ms, max ${pct(100)} ms`,
);
