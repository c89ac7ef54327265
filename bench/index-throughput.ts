/**
 * The index benchmark (`npm run bench:index`, not part of `npm test`): how fast Ponder indexes a big history, and
 * how fast it then answers "what can account X claim".
 *
 * 1. chain: a fresh `hardhat node` (test/e2e/harness.ts), the suite deployed as the index e2e does, then
 *    ARTIFACTS (10,000) registrations and POOL_EVENTS (100,000) RewardPools events, packed into `multicall`
 *    transactions of up to ~15 M gas each (EIP-7825 caps a transaction at 2^24 gas): 5 pools; pool 1 admits every
 *    artifact and pools 2–5 a tenth each; weight changes; 200 year-long streams; claims by 19 contributors; and
 *    instant fundings up to the count. Every 10th artifact builds on the one before (10 % upstream), so claims
 *    and settlements move upstream flow too. Events are counted from the receipts.
 * 2. index: `npm run index` (test/e2e/indexHarness.ts) from an empty database, timed until it has indexed the
 *    head; events/s = (registry + pools logs) / seconds.
 * 3. query: GET /kc/earnings/:account, once to warm the reducer (it applies every kept log), then QUERIES (60)
 *    times over the 19 heavy contributors (~530 artifacts each) and pseudo-accounts (~10 artifacts each):
 *    median, p95, max, against a target of 50 ms.
 * Every figure is printed with the machine's load average (a shared machine). Result: bench/results/index.json.
 *
 *   ARTIFACTS=1000 POOL_EVENTS=10000 npm run bench:index     # a smaller run
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { type HDNodeWallet, type Interface, type TransactionReceipt, ZeroHash } from "ethers";

import {
  CommunityToken__factory,
  KnowledgeRegistry__factory,
  RewardPools__factory,
} from "../typechain-types";
import { ROOT, freePort, startCliNode } from "../test/e2e/harness";
import { wallet } from "../test/e2e/history";
import { deployForIndex, startIndex } from "../test/e2e/indexHarness";

const ARTIFACTS = Number(process.env.ARTIFACTS ?? 10_000);
const POOL_EVENTS = Number(process.env.POOL_EVENTS ?? 100_000);
const QUERIES = Number(process.env.QUERIES ?? 60);
const TX_GAS = 15_500_000n;
const CLAIMERS = 19;
const POOLS = 5;
const STREAMS = 200;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const hex = (n: number, bytes: number) => `0x${n.toString(16).padStart(bytes * 2, "0")}`;
const pseudo = (i: number) => hex(0xb000_0000 + i, 20);
const digest = (i: number) => hex(0xd000_0000 + i, 32);

interface Phase {
  name: string;
  seconds: number;
  txs: number;
  events: number;
  load: string;
}

async function main() {
  const phases: Phase[] = [];
  const started = performance.now();
  console.log(`load average at start: ${load()}`);
  const cli = await startCliNode("bench-index");
  const indexPort = await freePort();
  let index: Awaited<ReturnType<typeof startIndex>> | undefined;
  try {
    const addrs = await deployForIndex(cli, indexPort);
    const rpcUrl = (cli.provider as unknown as { _getConnection(): { url: string } })._getConnection().url;
    const provider = cli.provider;
    const deployer = wallet(provider, 0);
    const claimers = Array.from({ length: CLAIMERS }, (_, i) => wallet(provider, i + 1));
    const registryI = KnowledgeRegistry__factory.createInterface();
    const poolsI = RewardPools__factory.createInterface();
    const nonces = new Map<string, number>();
    const feeData = await provider.getFeeData();
    let poolEvents = 0;
    let registryEvents = 0;

    /** One transaction, sent and mined (automine), its events counted. */
    async function send(from: HDNodeWallet, to: string, data: string): Promise<TransactionReceipt> {
      const nonce = nonces.get(from.address) ?? (await provider.getTransactionCount(from.address));
      nonces.set(from.address, nonce + 1);
      const signed = await from.signTransaction({
        to,
        data,
        nonce,
        chainId: 31337n,
        type: 2,
        gasLimit: TX_GAS,
        maxFeePerGas: feeData.maxFeePerGas! * 4n,
        maxPriorityFeePerGas: feeData.maxPriorityFeePerGas!,
      });
      const hash = await provider.send("eth_sendRawTransaction", [signed]);
      const receipt = (await provider.getTransactionReceipt(hash))!;
      if (receipt.status !== 1) throw new Error(`transaction ${hash} reverted`);
      for (const log of receipt.logs) {
        if (log.address.toLowerCase() === addrs.pools.toLowerCase()) poolEvents++;
        else if (log.address.toLowerCase() === addrs.registry.toLowerCase()) registryEvents++;
      }
      return receipt;
    }

    /**
     * `calls` packed into `multicall` transactions: the per-call gas is measured on a first batch (4 calls, 1 claim; by
     * estimateGas), and batches sized to fit TX_GAS with a margin.
     */
    async function batched(
      from: HDNodeWallet,
      to: string,
      iface: Interface,
      calls: string[],
      probe = 4,
    ): Promise<number> {
      let txs = 0;
      const multicall = (part: string[]) => iface.encodeFunctionData("multicall", [part]);
      let size = probe;
      for (let i = 0; i < calls.length;) {
        const part = calls.slice(i, i + size);
        if (txs === 0) {
          const gas = await provider.estimateGas({ from: from.address, to, data: multicall(part) });
          size = Math.max(1, Math.floor((Number(TX_GAS) * 0.8) / (Number(gas) / part.length)));
        }
        await send(from, to, multicall(part));
        i += part.length;
        txs++;
      }
      return txs;
    }

    async function phase(name: string, body: () => Promise<number>) {
      const t = performance.now();
      const before = poolEvents + registryEvents;
      const txs = await body();
      const p = {
        name,
        seconds: (performance.now() - t) / 1000,
        txs,
        events: poolEvents + registryEvents - before,
        load: load(),
      };
      phases.push(p);
      console.log(
        `  ${name}: ${p.events} events in ${p.txs} txs, ${p.seconds.toFixed(1)} s (pool events so far ${poolEvents}; load ${p.load})`,
      );
    }

    console.log(`chain: ${ARTIFACTS} registrations, ${POOL_EVENTS} pool events`);
    const chainStart = performance.now();
    await phase("register", () =>
      batched(
        deployer,
        addrs.registry,
        registryI,
        Array.from({ length: ARTIFACTS }, (_, i) =>
          registryI.encodeFunctionData("register", [
            {
              digest: digest(i),
              kind: i % 7,
              scheme: 0,
              uri: "",
              contributors: [
                { account: claimers[i % CLAIMERS].address, share: 3 },
                { account: pseudo(i % 1000), share: 1 },
              ],
              parents: i % 10 === 9 ? [digest(i - 1)] : [],
              upstreamBps: i % 10 === 9 ? 1000 : 0,
              minUpstreamBps: 0,
              secret: ZeroHash,
            },
          ]),
        ),
      ),
    );

    const token = CommunityToken__factory.connect(addrs.token, deployer);
    await phase("pools and approval", async () => {
      await send(
        deployer,
        addrs.token,
        token.interface.encodeFunctionData("approve", [addrs.pools, 2n ** 255n]),
      );
      const creates = Array.from({ length: POOLS }, () =>
        poolsI.encodeFunctionData("createPool", [addrs.token, deployer.address, 0]),
      );
      return 1 + (await batched(deployer, addrs.pools, poolsI, creates));
    });

    await phase("admit", () => {
      const calls: string[] = [];
      const chunk = 50;
      for (let i = 0; i < ARTIFACTS; i += chunk) {
        const ids = Array.from({ length: Math.min(chunk, ARTIFACTS - i) }, (_, k) => digest(i + k));
        calls.push(poolsI.encodeFunctionData("admitMany", [1, ids, ids.map(() => 1)]));
        for (let p = 2; p <= POOLS; p++) {
          const some = ids.filter((_, k) => (i + k) % 10 === p);
          if (some.length > 0)
            calls.push(poolsI.encodeFunctionData("admitMany", [p, some, some.map(() => 2)]));
        }
      }
      return batched(deployer, addrs.pools, poolsI, calls);
    });

    const unit = 10n ** 12n;
    const fundings = (n: number) =>
      Array.from({ length: n }, (_, i) => poolsI.encodeFunctionData("fund", [1 + (i % POOLS), unit * 1000n]));
    await phase("fund (first round)", () =>
      batched(deployer, addrs.pools, poolsI, fundings(Math.min(5_000, Math.floor(POOL_EVENTS / 20)))),
    );
    await phase("streams", () =>
      batched(
        deployer,
        addrs.pools,
        poolsI,
        Array.from({ length: STREAMS }, (_, i) =>
          poolsI.encodeFunctionData("fundStream", [
            1 + (i % POOLS),
            unit * 10n ** 6n,
            365 * 86_400 + i,
            i % 2 === 0,
            0,
          ]),
        ),
      ),
    );
    await phase("set weights", () =>
      batched(
        deployer,
        addrs.pools,
        poolsI,
        Array.from({ length: Math.floor(ARTIFACTS * 0.6) }, (_, i) =>
          poolsI.encodeFunctionData("setWeight", [1, digest(i), 2 + (i % 3)]),
        ),
      ),
    );
    await phase("claims", async () => {
      let txs = 0;
      for (let c = 0; c < CLAIMERS; c++) {
        const mine = Array.from({ length: ARTIFACTS }, (_, i) => i).filter((i) => i % CLAIMERS === c);
        const calls: string[] = [];
        for (let k = 0; k < mine.length; k += 20)
          calls.push(
            poolsI.encodeFunctionData("claim", [
              1,
              mine.slice(k, k + 20).map((i) => ({ artifact: digest(i), slot: 0 })),
              claimers[c].address,
            ]),
          );
        txs += await batched(claimers[c], addrs.pools, poolsI, calls, 1);
      }
      return txs;
    });
    await phase("fund (to the count)", async () => {
      let txs = 0;
      while (poolEvents < POOL_EVENTS) {
        const left = POOL_EVENTS - poolEvents;
        txs += await batched(deployer, addrs.pools, poolsI, fundings(Math.min(left, 20_000)));
      }
      return txs;
    });
    await provider.send("evm_increaseTime", [3600]);
    await provider.send("evm_mine", []);
    const chainSeconds = (performance.now() - chainStart) / 1000;
    const head = await provider.send("eth_getBlockByNumber", ["latest", false]);
    const headBlock = Number(head.number);
    console.log(
      `chain: ${registryEvents} registry + ${poolEvents} pool events in ${headBlock} blocks, ${chainSeconds.toFixed(1)} s (load ${load()})`,
    );

    // ── the index from scratch ───────────────────────────────────────────────────────────────────────────────
    const indexLoadBefore = load();
    const t0 = performance.now();
    index = await startIndex({ rpcUrl, registry: addrs.registry, pools: addrs.pools, port: indexPort });
    // Start-up (bundling the handlers, migrating the database) until the HTTP server answers, then indexing.
    for (;;) {
      const up = await fetch(`${index.url}/status`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const startupSeconds = (performance.now() - t0) / 1000;
    console.log(`index: HTTP up after ${startupSeconds.toFixed(1)} s (load ${load()})`);
    await index.reached(headBlock, 3_600_000);
    const indexSeconds = (performance.now() - t0) / 1000;
    const events = registryEvents + poolEvents;
    const indexLoad = load();
    const eventsPerSecond = events / (indexSeconds - startupSeconds);
    console.log(
      `index: ${events} events to block ${headBlock} in ${indexSeconds.toFixed(1)} s from start, ` +
        `${(indexSeconds - startupSeconds).toFixed(1)} s after start-up = ${eventsPerSecond.toFixed(0)} events/s ` +
        `(load before ${indexLoadBefore}, after ${indexLoad})`,
    );

    // ── "what can account X claim" ──────────────────────────────────────────────────────────────────────────
    const get = async (account: string) => {
      const t = performance.now();
      const res = await fetch(`${index!.url}/kc/earnings/${account}`);
      const body = (await res.json()) as { earnings: unknown[] };
      if (!res.ok) throw new Error(`/kc/earnings/${account}: ${res.status} ${JSON.stringify(body)}`);
      return { ms: performance.now() - t, rows: body.earnings.length };
    };
    const warm = await get(claimers[0].address);
    console.log(
      `first query (the reducer applies every kept log): ${warm.ms.toFixed(0)} ms (load ${load()})`,
    );
    const accounts = [
      ...claimers.map((c) => c.address),
      ...Array.from({ length: 20 }, (_, i) => pseudo(i * 37)),
    ];
    const times: number[] = [];
    const rows: number[] = [];
    for (let q = 0; q < QUERIES; q++) {
      const r = await get(accounts[q % accounts.length]);
      times.push(r.ms);
      rows.push(r.rows);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
    const queryLoad = load();
    const median = pct(50);
    const p95 = pct(95);
    console.log(
      `/kc/earnings/:account over ${QUERIES} queries, ${accounts.length} accounts (${Math.min(...rows)}–${Math.max(...rows)} rows each): ` +
        `median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${pct(100).toFixed(1)} ms ` +
        `(target ≤ 50 ms: ${p95 <= 50 ? "met" : "missed"}; load ${queryLoad})`,
    );

    const result = {
      node: process.version,
      artifacts: ARTIFACTS,
      registryEvents,
      poolEvents,
      blocks: headBlock,
      chain: { seconds: chainSeconds, phases },
      index: {
        seconds: indexSeconds,
        startupSeconds,
        eventsPerSecond,
        eventsPerSecondFromStart: events / indexSeconds,
        loadBefore: indexLoadBefore,
        loadAfter: indexLoad,
      },
      query: {
        endpoint: "/kc/earnings/:account",
        firstMs: warm.ms,
        queries: QUERIES,
        accounts: accounts.length,
        rowsMin: Math.min(...rows),
        rowsMax: Math.max(...rows),
        medianMs: median,
        p95Ms: p95,
        maxMs: pct(100),
        targetMs: 50,
        load: queryLoad,
      },
      totalSeconds: (performance.now() - started) / 1000,
    };
    const dir = join(ROOT, "bench", "results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "index.json"), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written: bench/results/index.json (total ${result.totalSeconds.toFixed(0)} s)`);
  } finally {
    await index?.stop();
    await cli.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
