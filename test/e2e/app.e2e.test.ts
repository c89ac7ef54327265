import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { type BrowserContext, type Page, chromium } from "playwright-core";

import { IRewardPools__factory } from "../../typechain-types/factories/contracts/interfaces/IRewardPools__factory";
import { CommunityToken__factory } from "../../typechain-types/factories/contracts/CommunityToken__factory";
import { type CliNode, ROOT, freePort, startCliNode } from "./harness";
import { type History, digestOf, scriptedHistory } from "./history";
import { type RunningIndex, deployForIndex, startIndex } from "./indexHarness";

/**
 * The app in headless Chromium (Debian's package, driven by playwright-core) against a hardhat node with the
 * contracts deployed and the index running, with a test wallet injected as an EIP-1193 provider (announced by
 * EIP-6963) that forwards to the node, whose accounts are unlocked. Screenshots go to test/e2e/screenshots/.
 * Any console error or page error fails the suite.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = join(ROOT, "test", "e2e", "screenshots");
/** Registrations in which the test account is a contributor, for the first-load budget (≤ 2 s with 200). */
const EXTRA = Number(process.env.KC_APP_E2E_ARTIFACTS ?? 200);

/** Runs in the page before the app: window.ethereum backed by the node's JSON-RPC, as account `account`. */
function injectWallet({ rpcUrl, account, chainId }: { rpcUrl: string; account: string; chainId: number }) {
  let id = 0;
  const listeners: Record<string, ((...a: unknown[]) => void)[]> = {};
  const rpc = async (method: string, params: unknown) => {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
    });
    const body = await res.json();
    if (body.error)
      throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data });
    return body.result;
  };
  const provider = {
    isTestWallet: true,
    async request({ method, params }: { method: string; params?: unknown }) {
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
      if (method === "eth_chainId") return `0x${chainId.toString(16)}`;
      if (method === "wallet_switchEthereumChain") return null;
      if (method === "eth_sendTransaction") {
        const [tx] = params as [Record<string, unknown>];
        return rpc(method, [{ ...tx, from: account }]);
      }
      return rpc(method, params);
    },
    on(event: string, fn: (...a: unknown[]) => void) {
      (listeners[event] ??= []).push(fn);
    },
    removeListener() {},
  };
  const info = {
    uuid: "0b5e7c3a-test-wallet",
    name: "Test wallet",
    icon: "data:,",
    rdns: "org.example.testwallet",
  };
  const announce = () =>
    window.dispatchEvent(
      new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }),
    );
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
  (window as unknown as { ethereum: unknown }).ethereum = provider;
}

describe("app e2e: a wallet holder sees and claims rewards in a real browser", function () {
  // Coverage instruments the contracts in-process; a separate node would run uninstrumented code.
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(900_000);
  let cli: CliNode;
  let index: RunningIndex;
  let app: ChildProcess;
  let appUrl: string;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let addrs: { registry: string; pools: string; token: string };
  let history: History;
  let rpcUrl: string;
  const problems: string[] = [];
  let firstLoadMs: number | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      // CI installs it (.ci/run); on a developer's machine without it, say so instead of failing.
      if (process.env.CI) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
      console.log(
        `      skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
      );
      this.skip();
    }
    mkdirSync(SHOTS, { recursive: true });
    cli = await startCliNode("app");
    const indexPort = await freePort();
    addrs = await deployForIndex(cli, indexPort);
    rpcUrl = (cli.provider as any)._getConnection().url as string;
    index = await startIndex({ rpcUrl, registry: addrs.registry, pools: addrs.pools, port: indexPort });
    history = await scriptedHistory(cli.provider, addrs, EXTRA);
    await index.reached(Number(await cli.provider.send("eth_blockNumber", [])));

    const appPort = await freePort();
    appUrl = `http://127.0.0.1:${appPort}/`;
    app = spawn(process.execPath, [join(ROOT, "app", "serve.mjs")], {
      cwd: ROOT,
      env: {
        ...process.env,
        RPC_URL: rpcUrl,
        CHAIN_ID: "31337",
        KC_REGISTRY: addrs.registry,
        KC_POOLS: addrs.pools,
        KC_INDEX_URL: index.url,
        KC_APP_PORT: String(appPort),
      },
      detached: true,
    });
    let appLog = "";
    app.stdout!.on("data", (d) => (appLog += d));
    app.stderr!.on("data", (d) => (appLog += d));
    for (let i = 0; !appLog.includes(appUrl); i++) {
      if (app.exitCode !== null || i > 240) throw new Error(`npm run app failed:\n${appLog}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`      ${appLog.trim().split("\n").join("\n      ")}`);

    profile = mkdtempSync(join(tmpdir(), "kc-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
      viewport: { width: 1280, height: 900 },
    });
    await context.addInitScript(injectWallet, { rpcUrl, account: history.accounts[1], chainId: 31337 });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  });

  after(async function () {
    await context?.close();
    if (app?.pid !== undefined && app.exitCode === null) process.kill(-app.pid, "SIGTERM");
    await index?.stop();
    await cli?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(index?.log().split("\n").slice(-30).join("\n"));
    expect(problems, problems.join("\n")).to.deep.equal([]);
  });

  it("loads My rewards read-only first, then connects the EIP-6963 wallet", async function () {
    const alice = history.accounts[1];
    const t0 = Date.now();
    await page.goto(`${appUrl}#/rewards/${alice}`);
    await page.waitForSelector("#earnings tbody tr");
    const wall = Date.now() - t0;
    // The browser's own clock: from navigation start to the rendered list (the browser's start-up excluded).
    const firstLoad = Number(await page.getAttribute("#main", "data-rendered-at"));
    const rows = await page.locator("#earnings tbody tr").count();
    console.log(
      `      first load of My rewards (${rows} slots, ${EXTRA + 4} artifacts): ${firstLoad} ms in the page, ` +
        `${wall} ms with the test's navigation`,
    );
    expect(rows).to.be.greaterThanOrEqual(EXTRA + 1);
    await page.screenshot({ path: join(SHOTS, "rewards-read-only.png"), fullPage: false });
    firstLoadMs = firstLoad;

    await page.goto(`${appUrl}#/rewards`);
    await page.getByRole("button", { name: "Connect Test wallet" }).click();
    await page.waitForSelector("#account");
    expect(await page.textContent("#account")).to.equal(alice);
    await page.waitForSelector("#claim-all:not([disabled])");
    await page.screenshot({ path: join(SHOTS, "rewards-connected.png") });
  });

  it("claims everything in one click: the balance grows by exactly what the pools paid", async function () {
    const alice = history.accounts[1];
    const tokenC = CommunityToken__factory.connect(addrs.token, cli.provider);
    const pools = IRewardPools__factory.connect(addrs.pools, cli.provider);
    const owed = (await (await fetch(`${index.url}/kc/earnings/${alice}`)).json()) as any;
    const owedPools = new Set<bigint>(
      owed.earnings.filter((e: any) => BigInt(e.claimable) > 0n).map((e: any) => BigInt(e.poolId)),
    );
    expect(owedPools.size).to.be.greaterThan(0);
    const before = await tokenC.balanceOf(alice);
    const fromBlock = Number(await cli.provider.send("eth_blockNumber", [])) + 1;
    await page.click("#claim-all");
    await page.waitForSelector("#status.ok", { timeout: 120_000 });
    expect(await page.textContent("#status")).to.equal(`claimed from ${owedPools.size} pool(s)`);
    const after = await tokenC.balanceOf(alice);
    const logs = await pools.queryFilter(
      pools.filters.RewardsClaimed(undefined, undefined, alice),
      fromBlock,
    );
    const paid = logs.reduce((s, l) => s + l.args.amount, 0n);
    expect(logs.every((l) => l.args.recipient === alice)).to.equal(true);
    expect(new Set(logs.map((l) => l.args.poolId))).to.deep.equal(owedPools);
    // One claim transaction per pool, each paying at least what the page showed (streams add by the second).
    expect(new Set(logs.map((l) => l.transactionHash)).size).to.equal(owedPools.size);
    const shown = owed.earnings.reduce((s: bigint, e: any) => s + BigInt(e.claimable), 0n);
    expect(paid >= shown).to.equal(true);
    expect(after - before).to.equal(paid);
    // The page waited for the index: what it shows now as claimed is what was paid.
    const claimedShown = owed.earnings.length;
    expect(await page.locator("#earnings tbody tr").count()).to.equal(claimedShown);
    const after2 = (await (await fetch(`${index.url}/kc/earnings/${alice}`)).json()) as any;
    const claimedNow = after2.earnings.reduce((s: bigint, e: any) => s + BigInt(e.claimed), 0n);
    const claimedBefore = owed.earnings.reduce((s: bigint, e: any) => s + BigInt(e.claimed), 0n);
    expect(claimedNow - claimedBefore).to.equal(paid);
    await page.screenshot({ path: join(SHOTS, "rewards-claimed.png") });
  });

  it("a claim that would revert shows the one-line reason and asks the wallet nothing", async function () {
    await page.goto(`${appUrl}#/rewards`);
    await page.reload();
    await page.getByRole("button", { name: "Connect Test wallet" }).click();
    // The stream still runs, so there is something to claim again.
    await page.waitForSelector("#claim-all:not([disabled])");
    const sent = Number(await cli.provider.send("eth_blockNumber", []));
    await page.fill("#recipient", "0x0000000000000000000000000000000000000000");
    await page.click("#claim-all");
    await page.waitForSelector("#status.error");
    expect(await page.textContent("#status")).to.match(
      /^claim stopped after 0 of \d+ pool\(s\): reverted: InvalidRecipient\(\) — the recipient must not be the zero address$/,
    );
    expect(Number(await cli.provider.send("eth_blockNumber", []))).to.equal(sent);
    await page.screenshot({ path: join(SHOTS, "rewards-revert.png") });
  });

  it("opens an artifact page and walks its lineage graph", async function () {
    const agent = digestOf("river-agent");
    const model = digestOf("river-model");
    await page.goto(`${appUrl}#/artifact/${agent}`);
    await page.waitForSelector("#lineage svg");
    expect(await page.locator("#lineage svg a").count()).to.equal(3);
    expect(await page.locator("#lineage svg path.edge").count()).to.equal(3);
    expect(await page.locator("#contributors tbody tr").count()).to.equal(2);
    await page.screenshot({ path: join(SHOTS, "artifact-agent.png"), fullPage: true });
    await page.click(`#lineage svg a[data-digest="${model}"]`);
    await page.waitForFunction(
      (d) => document.querySelector("#lineage svg a.root")?.getAttribute("data-digest") === d,
      model,
    );
    expect(await page.textContent("h1")).to.contain("model");
    await page.screenshot({ path: join(SHOTS, "artifact-model.png"), fullPage: true });
  });

  it("shows a pool page", async function () {
    await page.goto(`${appUrl}#/pool/1`);
    await page.waitForSelector("#pool");
    expect(await page.textContent("#pool")).to.contain("COMM");
    await page.screenshot({ path: join(SHOTS, "pool-1.png"), fullPage: true });
  });

  it("meets the first-load budget of My rewards: 2 s with 200 artifacts, on a machine not overloaded", function () {
    const load = loadavg()[0] / cpus().length;
    if (EXTRA < 200 || firstLoadMs === undefined) this.skip();
    // Other work on the machine (load per core > 1) stretches every number; the budget is for a quiet machine.
    if (load > 1) {
      console.log(
        `      budget not asserted: load average ${load.toFixed(1)} per core (first load ${firstLoadMs} ms)`,
      );
      this.skip();
    }
    expect(firstLoadMs).to.be.at.most(2_000);
  });
});
