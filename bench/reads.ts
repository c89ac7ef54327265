/**
 * The reads benchmark (`npm run bench:reads`): how many requests and how long "what can this account claim"
 * takes on a long chain behind a slow provider.
 *
 * For each size N (20, 200, 2,000 artifacts; `BENCH_READS_SIZES=20,200` to choose), a fresh `hardhat node`
 * gets: the suite, an account in N artifacts (with a co-contributor), N/10 derivatives of them by other
 * accounts (20 % upstream), two pools (each admits 60 % of the account's artifacts, so 20 % are in both, and
 * half the derivatives), instant funds and a stream, some settlements, and 2,000,000 mined blocks spread
 * between those steps. A counting proxy in front of the node adds 100 ms to every HTTP request and counts
 * requests, JSON-RPC calls by method and batches. Measured in-process through the SDK (`syncHistory` +
 * `accountEarnings`, a fresh provider each run, the history cached in a temporary folder): the first run
 * (nothing cached) and a repeat; then the CLI (`kc earnings`, a new process each time) for its start-up.
 * Results go to bench/results/reads.json and reads.md.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

import {
  HDNodeWallet,
  JsonRpcProvider,
  NonceManager,
  type Signer,
  ZeroHash,
  sha256,
  toUtf8Bytes,
} from "ethers";

import { accountEarnings } from "../src/earnings";
import { syncHistory } from "../src/history";
import { FileHistoryStore } from "../src/history/fileStore";
import {
  CommunityToken__factory,
  KnowledgeRegistry__factory,
  RewardPools__factory,
  type KnowledgeRegistry,
  type RewardPools,
} from "../typechain-types";
import { MNEMONIC, ROOT, startCliNode } from "../test/e2e/harness";

const DELAY_MS = Number(process.env.BENCH_READS_DELAY_MS ?? 100);
const CHAIN_BLOCKS = Number(process.env.BENCH_READS_BLOCKS ?? 2_000_000);
const SIZES = (process.env.BENCH_READS_SIZES ?? "20,200,2000").split(",").map(Number);
const HARDHAT = join(ROOT, "node_modules", ".bin", "hardhat");

// ─── counting proxy ───────────────────────────────────────────────────────────────────────────────────────

interface Counts {
  http: number;
  /** HTTP requests that carried at least one eth_call / eth_getLogs. */
  callTrips: number;
  logTrips: number;
  batches: number;
  methods: Record<string, number>;
  /** Seconds the node took to answer, summed over requests (the proxy's delay excluded). */
  nodeSeconds: number;
}

function emptyCounts(): Counts {
  return { http: 0, callTrips: 0, logTrips: 0, batches: 0, methods: {}, nodeSeconds: 0 };
}

async function startProxy(
  target: string,
): Promise<{ url: string; counts: () => Counts; reset(): void; server: Server }> {
  let counts = emptyCounts();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString();
      try {
        const parsed = JSON.parse(body);
        const items: { method: string }[] = Array.isArray(parsed) ? parsed : [parsed];
        counts.http++;
        if (Array.isArray(parsed)) counts.batches++;
        for (const item of items) counts.methods[item.method] = (counts.methods[item.method] ?? 0) + 1;
        if (items.some((i) => i.method === "eth_call")) counts.callTrips++;
        if (items.some((i) => i.method === "eth_getLogs")) counts.logTrips++;
      } catch {
        counts.http++;
      }
      await new Promise((r) => setTimeout(r, DELAY_MS));
      const t0 = performance.now();
      const upstream = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const text = await upstream.text();
      counts.nodeSeconds += (performance.now() - t0) / 1000;
      res.writeHead(upstream.status, { "content-type": "application/json" });
      res.end(text);
    });
  });
  // Clients keep connections alive across slow start-ups: closing them after Node's default 5 s idle
  // races their next write (EPIPE).
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => structuredClone(counts),
    reset: () => (counts = emptyCounts()),
    server,
  };
}

// ─── scenario ─────────────────────────────────────────────────────────────────────────────────────────────

interface Chain {
  registry: string;
  pools: string;
  account: string;
  fromBlock: number;
  head: number;
  artifacts: number;
  derivatives: number;
}

const wallet = (i: number, provider: JsonRpcProvider) =>
  HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);

function registration(
  name: string,
  contributors: [string, number][],
  parents: string[] = [],
  upstreamBps = 0,
) {
  return {
    digest: sha256(toUtf8Bytes(name)),
    kind: 0,
    scheme: 0,
    uri: `ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy`,
    contributors: contributors.map(([account, share]) => ({ account, share })),
    parents,
    upstreamBps,
    minUpstreamBps: 0,
    secret: ZeroHash,
  };
}

async function registerMany(
  registry: KnowledgeRegistry,
  regs: ReturnType<typeof registration>[],
  per: number,
) {
  for (let i = 0; i < regs.length; i += per) {
    const calls = regs.slice(i, i + per).map((r) => registry.interface.encodeFunctionData("register", [r]));
    await (await registry.multicall(calls)).wait();
  }
}

async function admitAll(pools: RewardPools, poolId: bigint, artifacts: string[], per = 150) {
  for (let i = 0; i < artifacts.length; i += per) {
    const part = artifacts.slice(i, i + per);
    await (
      await pools.admitMany(
        poolId,
        part,
        part.map(() => 1 + (i % 3)),
      )
    ).wait();
  }
}

async function mine(provider: JsonRpcProvider, blocks: number) {
  if (blocks > 0) await provider.send("hardhat_mine", [`0x${blocks.toString(16)}`]);
}

async function buildChain(provider: JsonRpcProvider, n: number): Promise<Chain> {
  // Ethers caches identical requests for 250 ms, nonces included: count them locally.
  const deployer = new NonceManager(wallet(0, provider));
  const deployerAddress = await deployer.getAddress();
  const account = wallet(1, provider).address;
  const others = [2, 3, 4, 5].map((i) => wallet(i, provider).address);
  const registry = await (
    await new KnowledgeRegistry__factory(deployer as Signer).deploy(0, 0, "kc:")
  ).waitForDeployment();
  const pools = await (
    await new RewardPools__factory(deployer as Signer).deploy(await registry.getAddress())
  ).waitForDeployment();
  const tokenFactory = new CommunityToken__factory(deployer as Signer);
  const token = await (
    await tokenFactory.deploy("Community", "COMM", deployerAddress, 10n ** 30n)
  ).waitForDeployment();
  const token2 = await (
    await tokenFactory.deploy("Second", "SEC", deployerAddress, 10n ** 30n)
  ).waitForDeployment();
  const fromBlock = (await registry.deploymentTransaction()!.wait())!.blockNumber;
  const spread = Math.floor(CHAIN_BLOCKS / 4);
  await mine(provider, spread);

  const mine_ = Array.from({ length: n }, (_, i) =>
    registration(`bench/${n}/a${i}`, [
      [account, 3],
      [others[i % others.length], 1],
    ]),
  );
  await registerMany(registry, mine_, 60);
  await mine(provider, spread);
  const derivatives = Array.from({ length: Math.max(1, Math.floor(n / 10)) }, (_, i) =>
    registration(
      `bench/${n}/d${i}`,
      [[others[(i + 1) % others.length], 1]],
      [mine_[(i * 7) % n].digest, mine_[(i * 7 + 3) % n].digest].filter((d, k, all) => all.indexOf(d) === k),
      2000,
    ),
  );
  await registerMany(registry, derivatives, 40);
  await mine(provider, spread);

  await (await pools.createPool(token, deployerAddress, 0)).wait();
  await (await pools.createPool(token2, deployerAddress, 0)).wait();
  const digests = mine_.map((r) => r.digest);
  const cut = Math.ceil(n * 0.6);
  const half = Math.ceil(derivatives.length / 2);
  await admitAll(pools, 1n, [...digests.slice(0, cut), ...derivatives.slice(0, half).map((d) => d.digest)]);
  await admitAll(pools, 2n, [...digests.slice(n - cut), ...derivatives.slice(half).map((d) => d.digest)]);
  await (await token.approve(pools, 10n ** 30n)).wait();
  await (await token2.approve(pools, 10n ** 30n)).wait();
  await (await pools.fund(1n, 10n ** 24n)).wait();
  await (await pools.fund(2n, 5n * 10n ** 23n)).wait();
  await (await pools.fundStream(1n, 10n ** 24n, 30 * 86_400, false, 0)).wait();
  // Half the derivatives of pool 1 settle now: some upstream flow is booked, some still waits.
  await (
    await pools.settle(
      1n,
      derivatives.slice(0, Math.ceil(half / 2)).map((d) => d.digest),
      1,
    )
  ).wait();
  await mine(provider, CHAIN_BLOCKS - 3 * spread);
  await provider.send("evm_increaseTime", [86_400]);
  await mine(provider, 1);
  return {
    registry: await registry.getAddress(),
    pools: await pools.getAddress(),
    account,
    fromBlock,
    head: Number(await provider.send("eth_blockNumber", [])),
    artifacts: n,
    derivatives: derivatives.length,
  };
}

// ─── measurements ─────────────────────────────────────────────────────────────────────────────────────────

interface Run {
  seconds: number;
  syncSeconds: number;
  /** CPU seconds of this process (the SDK's own work: decoding, reducing, JSON). */
  cpuSeconds: number;
  counts: Counts;
  start: string;
  pools: number;
  claimable: string[];
}

async function sdkRun(
  proxy: Awaited<ReturnType<typeof startProxy>>,
  chain: Chain,
  cacheDir: string,
): Promise<Run> {
  proxy.reset();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const provider = new JsonRpcProvider(proxy.url, 31337, { staticNetwork: true });
  const registry = KnowledgeRegistry__factory.connect(chain.registry, provider);
  const pools = RewardPools__factory.connect(chain.pools, provider);
  const { view, stats } = await syncHistory({
    provider,
    chainId: 31337n,
    registry,
    pools,
    fromBlock: chain.fromBlock,
    store: new FileHistoryStore(cacheDir),
  });
  const syncSeconds = (performance.now() - t0) / 1000;
  const earnings = await accountEarnings({ history: view, pools, account: chain.account });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  provider.destroy();
  return {
    seconds,
    syncSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    counts: proxy.counts(),
    start: stats.start,
    pools: earnings.pools.length,
    claimable: earnings.pools.map((p) => `${p.claimable + p.waiting}`),
  };
}

function cliRun(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ seconds: number; code: number | null; out: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARDHAT, ...args], { cwd: ROOT, env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ seconds: (performance.now() - t0) / 1000, code, out }));
  });
}

async function measure(n: number) {
  const node = await startCliNode(`reads-${n}`);
  const nodeUrl = node.provider._getConnection().url;
  const setup0 = performance.now();
  const chain = await buildChain(node.provider, n);
  const setupSeconds = (performance.now() - setup0) / 1000;
  const proxy = await startProxy(nodeUrl);
  const cacheDir = mkdtempSync(join(tmpdir(), "kc-reads-"));
  try {
    const first = await sdkRun(proxy, chain, cacheDir);
    const repeat = await sdkRun(proxy, chain, cacheDir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RPC_URL: proxy.url,
      MNEMONIC,
      PRIVATE_KEY: "",
      KC_REGISTRY: chain.registry,
      KC_POOLS: chain.pools,
      KC_CACHE_DIR: mkdtempSync(join(tmpdir(), "kc-reads-cli-")),
      KC_DEPLOYMENT_ID: `bench-reads-${process.pid}`,
    };
    delete env.HARDHAT_NETWORK;
    delete env.KC_PROGRAMS;
    const cli = [];
    for (const label of ["first", "repeat"]) {
      proxy.reset();
      const r = await cliRun(
        ["kc", "earnings", "--account", chain.account, "--json", "--network", "remote"],
        env,
      );
      if (r.code !== 0) throw new Error(`kc earnings failed:\n${r.out}`);
      cli.push({ label, seconds: r.seconds, counts: proxy.counts() });
    }
    rmSync(env.KC_CACHE_DIR!, { recursive: true, force: true });
    const idle = await cliRun(
      ["kc", "hash", "--cid", "bafkreieicaywul3mtq4eek7t4hs4cyque3m2rhzjob6xapjqtkcl4vc6ne"],
      env,
    );
    return { n, chain, setupSeconds, first, repeat, cli, cliStartupSeconds: idle.seconds };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
    proxy.server.close();
    await node.stop();
  }
}

const fmtS = (s: number) => `${s.toFixed(2)} s`;

async function main() {
  const load = loadavg().map((l) => l.toFixed(2));
  const results = [];
  for (const n of SIZES) {
    process.stderr.write(`bench:reads: ${n} artifacts, ${CHAIN_BLOCKS} blocks…\n`);
    const r = await measure(n);
    results.push(r);
    process.stderr.write(
      `  first ${fmtS(r.first.seconds)} (${r.first.counts.http} requests, ${r.first.counts.callTrips} eth_call trips, ` +
        `node ${fmtS(r.first.counts.nodeSeconds)}, client CPU ${fmtS(r.first.cpuSeconds)}), ` +
        `repeat ${fmtS(r.repeat.seconds)} (${r.repeat.counts.http} requests, node ${fmtS(r.repeat.counts.nodeSeconds)}, ` +
        `client CPU ${fmtS(r.repeat.cpuSeconds)})\n`,
    );
  }
  const loadAfter = loadavg().map((l) => l.toFixed(2));
  const rows = results.flatMap((r) =>
    (["first", "repeat"] as const).map((phase) => {
      const run = r[phase];
      const m = run.counts.methods;
      return `| ${r.n} | ${r.chain.head.toLocaleString("en-US")} | ${phase} | ${fmtS(run.seconds)} | ${fmtS(run.counts.nodeSeconds)} | ${fmtS(run.cpuSeconds)} | ${run.counts.http} | ${run.counts.callTrips} | ${m.eth_call ?? 0} | ${run.counts.logTrips} | ${m.eth_getLogs ?? 0} | ${run.counts.batches} | ${fmtS(r.cli.find((c) => c.label === phase)!.seconds)} (${r.cli.find((c) => c.label === phase)!.counts.http} req) |`;
    }),
  );
  const md = [
    `Reads benchmark: ${DELAY_MS} ms per HTTP request, load average ${load.join(" / ")} (1/5/15 min) before, ${loadAfter.join(" / ")} after; ${new Date().toISOString()}.`,
    "",
    "| artifacts | chain blocks | run | SDK time | of which node | SDK CPU | HTTP requests | eth_call round trips | eth_call items | eth_getLogs round trips | eth_getLogs items | JSON-RPC batches | CLI `kc earnings` |",
    "| --: | --: | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ...rows,
    "",
    `CLI start-up with no network (\`kc hash --cid\`): ${results.map((r) => fmtS(r.cliStartupSeconds)).join(", ")}.`,
  ].join("\n");
  const dir = join(__dirname, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "reads.json"),
    JSON.stringify({ delayMs: DELAY_MS, load, loadAfter, results }, null, 2),
  );
  writeFileSync(join(dir, "reads.md"), `${md}\n`);
  process.stdout.write(`${md}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
