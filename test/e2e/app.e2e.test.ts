import { join } from "node:path";
import { cpus, loadavg } from "node:os";

import { expect } from "chai";

import { NonceManager, formatUnits, parseUnits } from "ethers";

import { settleList } from "../../src/claims";
import { syncHistory } from "../../src/history";
import { CommunityToken__factory } from "../../typechain-types/factories/contracts/CommunityToken__factory";
import { KnowledgeRegistry__factory } from "../../typechain-types/factories/contracts/KnowledgeRegistry__factory";
import { RewardPools__factory } from "../../typechain-types/factories/contracts/RewardPools__factory";
import { type AppStack, SHOTS, startAppStack } from "./appHarness";
import { digestOf, wallet } from "./history";

/**
 * The app in headless Chromium against a hardhat node, the index and `npm run app` (see appHarness.ts), as a
 * wallet holder: rewards, claim all, a reverted claim, the lineage graph, a pool page. Screenshots go to
 * test/e2e/screenshots/. Any console error or page error fails the suite.
 */

/** Registrations in which the test account is a contributor, for the first-load budget (≤ 2 s with 200). */
const EXTRA = Number(process.env.KC_APP_E2E_ARTIFACTS ?? 200);

describe("app e2e: a wallet holder sees and claims rewards in a real browser", function () {
  // Coverage instruments the contracts in-process; a separate node would run uninstrumented code.
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(900_000);
  let stack: AppStack;
  let cli: AppStack["cli"];
  let index: AppStack["index"];
  let appUrl: string;
  let page: AppStack["page"];
  let addrs: AppStack["addrs"];
  let history: AppStack["history"];
  let firstLoadMs: number | undefined;

  before(async function () {
    const started = await startAppStack("app", { extraArtifacts: EXTRA });
    if (!started) this.skip();
    stack = started!;
    ({ cli, index, appUrl, page, addrs, history } = stack);
  });

  after(async function () {
    await stack?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(index?.log().split("\n").slice(-30).join("\n"));
    expect(stack.problems, stack.problems.join("\n")).to.deep.equal([]);
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

  it("claims everything in one click, in as many transactions as the SDK's plan needs, paying exactly", async function () {
    const alice = history.accounts[1];
    const tokenC = CommunityToken__factory.connect(addrs.token, cli.provider);
    const pools = RewardPools__factory.connect(addrs.pools, cli.provider);
    // Past the end of the history's stream, so amounts stop growing by the second and can be asserted exactly.
    await cli.provider.send("evm_increaseTime", [4000]);
    await cli.provider.send("evm_mine", []);
    await index.reached(Number(await cli.provider.send("eth_blockNumber", [])));
    // Alice's slots and the lineage, from the chain's events (not the index), for the checks after the claim.
    const { view: registryIndex } = await syncHistory({
      provider: cli.provider,
      chainId: 31337n,
      registry: KnowledgeRegistry__factory.connect(addrs.registry, cli.provider),
      pools,
    });
    const digests = registryIndex.artifactsOf(alice);
    const targets = digests.map((artifact) => ({
      artifact,
      slot: BigInt(registryIndex.artifacts.get(artifact)!.holders.indexOf(alice)),
    }));
    const owed = (await (await fetch(`${index.url}/kc/earnings/${alice}`)).json()) as any;
    const shown = owed.earnings.reduce((s: bigint, e: any) => s + BigInt(e.claimable), 0n);
    expect(shown > 0n).to.equal(true);

    await page.goto(`${appUrl}#/rewards`);
    await page.reload();
    await page.getByRole("button", { name: "Connect Test wallet" }).click();
    await page.waitForSelector("#claim-all:not([disabled])");
    const before = await tokenC.balanceOf(alice);
    const poolsBefore = await tokenC.balanceOf(addrs.pools);
    const fromBlock = Number(await cli.provider.send("eth_blockNumber", [])) + 1;
    await page.click("#claim-all");
    await page.waitForSelector("#status.ok", { timeout: 300_000 });
    // A's 200 derivatives do not fit one transaction with the claims: they are settled first, in as many
    // transactions as the gas cap needs, then the claims follow (see claimPlan in app/src/pages/rewards.ts).
    const n = Number(await page.getAttribute("#main", "data-plan-steps"));
    if (EXTRA >= 200) expect(n).to.be.greaterThan(1);
    // Exactly the plan's transactions, each one block, each from alice.
    expect(Number(await cli.provider.send("eth_blockNumber", []))).to.equal(fromBlock - 1 + n);
    const logs = await pools.queryFilter(
      pools.filters.RewardsClaimed(undefined, undefined, alice),
      fromBlock,
    );
    expect(logs.every((l) => l.args.recipient === alice)).to.equal(true);
    for (let b = fromBlock; b < fromBlock + n; b++) {
      const block = (await cli.provider.getBlock(b, true))!;
      expect(block.prefetchedTransactions.map((t) => t.from)).to.deep.equal([alice]);
    }
    const total = logs.reduce((s, l) => s + l.args.amount, 0n);
    // Settling the derivatives first pays more than the index showed as claimable (their upstream flow).
    expect(total > shown).to.equal(true);
    console.log(
      `      claim all: ${n} transactions, paid ${formatUnits(total, 18)} COMM (shown ${formatUnits(shown, 18)})`,
    );
    expect(await page.textContent("#status")).to.equal(
      `claimed ${formatUnits(total, 18)} COMM in ${n} transaction(s)`,
    );
    expect(new Set(logs.map((l) => l.args.poolId))).to.deep.equal(new Set([1n, 2n]));
    expect((await tokenC.balanceOf(alice)) - before).to.equal(total);
    expect(poolsBefore - (await tokenC.balanceOf(addrs.pools))).to.equal(total);
    // Nothing is left to claim, nor waiting in a derivative.
    for (const poolId of [1n, 2n]) {
      for (const t of targets) expect(await pools.claimableBySlot(poolId, t.artifact, t.slot)).to.equal(0n);
      expect(await settleList(pools, poolId, registryIndex, digests)).to.deep.equal([]);
    }
    // The page waited for the index: what it shows now as claimed is what was paid.
    const after2 = (await (await fetch(`${index.url}/kc/earnings/${alice}`)).json()) as any;
    const claimedNow = after2.earnings.reduce((s: bigint, e: any) => s + BigInt(e.claimed), 0n);
    const claimedBefore = owed.earnings.reduce((s: bigint, e: any) => s + BigInt(e.claimed), 0n);
    expect(claimedNow - claimedBefore).to.equal(total);
    expect(await page.locator("#earnings tbody tr").count()).to.equal(after2.earnings.length);
    await page.screenshot({ path: join(SHOTS, "rewards-claimed.png") });
  });

  it("a claim that would revert shows the one-line reason and asks the wallet nothing", async function () {
    // New funds, so there is something to claim again.
    // One nonce source for the two transactions (the provider's pending count can lag behind a mined one).
    const deployer = new NonceManager(wallet(cli.provider, 0));
    const unit = parseUnits("1", 18);
    await (
      await CommunityToken__factory.connect(addrs.token, deployer).approve(addrs.pools, 50n * unit)
    ).wait();
    await (await RewardPools__factory.connect(addrs.pools, deployer).fund(1, 50n * unit)).wait();
    await index.reached(Number(await cli.provider.send("eth_blockNumber", [])));
    await page.goto(`${appUrl}#/rewards`);
    await page.reload();
    await page.getByRole("button", { name: "Connect Test wallet" }).click();
    await page.waitForSelector("#claim-all:not([disabled])");
    const sent = Number(await cli.provider.send("eth_blockNumber", []));
    await page.fill("#recipient", "0x0000000000000000000000000000000000000000");
    await page.click("#claim-all");
    await page.waitForSelector("#status.error");
    expect(await page.textContent("#status")).to.equal(
      "nothing was sent: the recipient must not be the zero address",
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
