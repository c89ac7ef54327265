import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { type JsonRpcSigner, NonceManager, formatUnits, parseUnits } from "ethers";
import { type BrowserContext, type Page, chromium } from "playwright-core";

import { paidByStep } from "../../app/src/claimPlan";
import { type PoolClaim, planClaims, settleList } from "../../src/claims";
import { syncHistory } from "../../src/history";
import { parseSignedRequest, relay } from "../../src/signed";
import { CommunityToken__factory } from "../../typechain-types/factories/contracts/CommunityToken__factory";
import { KnowledgeRegistry__factory } from "../../typechain-types/factories/contracts/KnowledgeRegistry__factory";
import { RewardPools__factory } from "../../typechain-types/factories/contracts/RewardPools__factory";
import { type AppStack, CHROMIUM, SHOTS, injectWallet, startAppStack } from "./appHarness";
import { digestOf, wallet } from "./history";

/**
 * My rewards' claims in headless Chromium (see appHarness.ts), with the scripted history's stream run out first so
 * every amount is fixed: a reverting claim sends nothing; a plan the per-transaction gas cap (`?maxPerTx=`) splits
 * into 2 transactions sends exactly 2 and pays exactly what the SDK's plan simulates; a claim signed in the browser
 * for a relayer is relayed by another account on the Relay page, and another by the SDK's `relay`, each paying
 * exactly the signed claimable, with every party's token (and the relayer's ETH) balance asserted.
 */
describe("app e2e: claims through the SDK's plan, signed claims and the Relay page", function () {
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(600_000);
  let stack: AppStack;
  let page: Page;
  let relayerContext: BrowserContext | undefined;
  let relayerProfile: string | undefined;
  const relayerProblems: string[] = [];
  const A = digestOf("river-dataset");

  before(async function () {
    const started = await startAppStack("app-claims", { extraArtifacts: 0 });
    if (!started) this.skip();
    stack = started!;
    page = stack.page;
    // Past the end of the history's one-hour stream: nothing accrues by the second any more.
    await stack.cli.provider.send("evm_increaseTime", [4000]);
    await stack.cli.provider.send("evm_mine", []);
    await stack.index.reached(await blockNumber());
  });

  after(async function () {
    await relayerContext?.close();
    if (relayerProfile) rmSync(relayerProfile, { recursive: true, force: true });
    await stack?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed")
      console.log(stack?.index.log().split("\n").slice(-30).join("\n"));
    expect(stack.problems, stack.problems.join("\n")).to.deep.equal([]);
    expect(relayerProblems, relayerProblems.join("\n")).to.deep.equal([]);
  });

  const blockNumber = async () => Number(await stack.cli.provider.send("eth_blockNumber", []));
  const alice = () => stack.history.accounts[1];
  const token = () => CommunityToken__factory.connect(stack.addrs.token, stack.cli.provider);
  const pools = () => RewardPools__factory.connect(stack.addrs.pools, stack.cli.provider);
  const registry = () => KnowledgeRegistry__factory.connect(stack.addrs.registry, stack.cli.provider);

  async function connect(p: Page, hash: string, search = ""): Promise<void> {
    await p.goto(`${stack.appUrl}${search}${hash}`);
    await p.reload();
    await p.getByRole("button", { name: "Connect Test wallet" }).click();
    await p.waitForSelector("#account");
  }

  /** Every text the status line shows from now on, in order. */
  async function recordStatus(p: Page): Promise<() => Promise<string[]>> {
    await p.evaluate(() => {
      const w = window as unknown as { statuses: string[] };
      w.statuses = [];
      const el = document.querySelector("#status")!;
      new MutationObserver(() => w.statuses.push(el.textContent ?? "")).observe(el, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    return () => p.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
  }

  /** Funds pool 1 from the deployer (instant), so alice has something to claim again; waits for the index. */
  async function fundPool1(units: bigint): Promise<void> {
    // One nonce source for the two transactions (the provider's pending count can lag behind a mined one).
    const deployer = new NonceManager(wallet(stack.cli.provider, 0));
    const amount = parseUnits(units.toString(), 18);
    await (
      await CommunityToken__factory.connect(stack.addrs.token, deployer).approve(stack.addrs.pools, amount)
    ).wait();
    await (await RewardPools__factory.connect(stack.addrs.pools, deployer).fund(1, amount)).wait();
    await stack.index.reached(await blockNumber());
  }

  /** Signs a claim of pool 1 in the browser as alice, to `recipient`; returns the JSON text shown and downloaded. */
  async function signInBrowser(recipient: string): Promise<string> {
    await connect(page, "#/rewards");
    await page.waitForSelector("#gasless summary");
    await page.click("#gasless summary");
    await page.waitForSelector("#sign-relay:not([disabled])");
    await page.fill("#recipient", recipient);
    await page.selectOption("#sign-pool", "1");
    await page.click("#sign-relay");
    await page.waitForSelector("#signed-request");
    expect(await page.getAttribute("#status", "class")).to.equal("ok");
    const text = await page.inputValue("#signed-request");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-request")]);
    const downloaded = readFileSync((await download.path())!, "utf8");
    expect(downloaded).to.equal(text);
    return text;
  }

  it("a claim that would revert shows the one-line reason and sends nothing", async function () {
    await connect(page, "#/rewards");
    await page.waitForSelector("#claim-all:not([disabled])");
    const before = await blockNumber();
    await page.fill("#recipient", "0x0000000000000000000000000000000000000000");
    await page.click("#claim-all");
    await page.waitForSelector("#status.error");
    expect(await page.textContent("#status")).to.equal(
      "nothing was sent: the recipient must not be the zero address",
    );
    expect(await blockNumber()).to.equal(before);
    await page.screenshot({ path: join(SHOTS, "claims-revert.png") });
  });

  it("shows where each amount comes from: direct and from derivatives, with per-source totals", async function () {
    await connect(page, "#/rewards");
    await page.waitForSelector("#earnings tbody tr");
    const body = (await (await fetch(`${stack.index.url}/kc/earnings/${alice()}`)).json()) as any;
    const rows = body.earnings as any[];
    const fromDerivatives = rows.reduce((s, e) => s + BigInt(e.fromDerivatives), 0n);
    const claimable = rows.reduce((s, e) => s + BigInt(e.claimable), 0n);
    // A earned in pool 1 directly and from its derivatives B and C (settled in the history).
    expect(fromDerivatives > 0n && fromDerivatives < claimable).to.equal(true);
    const direct = await page.textContent('#sources [data-source="direct"]');
    const derived = await page.textContent('#sources [data-source="derivatives"]');
    expect(direct).to.match(/ COMM$/);
    expect(parseUnits(direct!.replace(" COMM", ""), 18)).to.equal(claimable - fromDerivatives);
    expect(parseUnits(derived!.replace(" COMM", ""), 18)).to.equal(fromDerivatives);
    // The descendants of A (B, C) the claim plan settles first are served with the earnings.
    expect(body.lineage.map((l: any) => l.digest)).to.include.members([
      digestOf("river-model"),
      digestOf("river-agent"),
    ]);
    await page.screenshot({ path: join(SHOTS, "claims-sources.png"), fullPage: true });
  });

  it("a plan that needs 2 transactions (?maxPerTx=) sends exactly 2 and pays exactly the simulated amounts", async function () {
    const provider = stack.cli.provider;
    const signer = (await provider.getSigner(alice())) as JsonRpcSigner;
    const sdkPools = pools();
    // What the SDK plans for alice, as the CLI would (the registry index from the chain's events, not the index).
    const { view: index } = await syncHistory({
      provider,
      chainId: 31337n,
      registry: registry(),
      pools: sdkPools,
    });
    const entries: PoolClaim[] = await Promise.all(
      [1n, 2n].map(async (poolId) => ({
        poolId,
        settle: await settleList(sdkPools, poolId, index, [A]),
        targets: [{ artifact: A, slot: 0n }],
      })),
    );
    const one = (await planClaims(sdkPools, signer, entries, alice(), { index }))!;
    expect(one.steps.length).to.equal(1);
    const gas = await provider.estimateGas({ from: alice(), to: one.steps[0].to, data: one.steps[0].data });
    const expected = paidByStep(
      one.steps[0].data,
      await provider.call({ from: alice(), to: one.steps[0].to, data: one.steps[0].data }),
    );
    expect(expected.map((p) => p.poolId)).to.deep.equal([1n, 2n]);
    expect(expected.every((p) => p.amount > 0n)).to.equal(true);
    // A cap whose budget (90 %) is just under the one-transaction plan: the SDK splits it in two.
    const maxPerTx = (gas * 97n) / 90n;
    const two = (await planClaims(sdkPools, signer, entries, alice(), { index, maxPerTx }))!;
    expect(two.steps.length).to.equal(2);

    const total = expected.reduce((s, p) => s + p.amount, 0n);
    const [aliceBefore, poolsBefore] = await Promise.all([
      token().balanceOf(alice()),
      token().balanceOf(stack.addrs.pools),
    ]);
    await connect(page, "#/rewards", `?maxPerTx=${maxPerTx}`);
    await page.waitForSelector("#claim-all:not([disabled])");
    const statuses = await recordStatus(page);
    const before = await blockNumber();
    await page.click("#claim-all");
    await page.waitForSelector("#status.ok", { timeout: 120_000 });
    expect(await page.textContent("#status")).to.equal(
      `claimed ${formatUnits(total, 18)} COMM in 2 transaction(s)`,
    );
    expect(await page.getAttribute("#main", "data-plan-steps")).to.equal("2");
    const seen = await statuses();
    console.log(`      status lines: ${[...new Set(seen)].join(" | ")}`);
    expect(seen.some((s) => s.startsWith("transaction 1 of 2 (claim from pool #1"))).to.equal(true);
    expect(seen.some((s) => s.startsWith("transaction 2 of 2 (claim from pool #2"))).to.equal(true);

    // Exactly two blocks, each one transaction from alice, paying exactly the simulation.
    expect(await blockNumber()).to.equal(before + 2);
    const logs = await sdkPools.queryFilter(sdkPools.filters.RewardsClaimed(), before + 1);
    expect(new Set(logs.map((l) => l.transactionHash)).size).to.equal(2);
    for (const l of logs) {
      expect((await provider.getTransaction(l.transactionHash))!.from).to.equal(alice());
      expect(l.args.account).to.equal(alice());
      expect(l.args.recipient).to.equal(alice());
    }
    expect(logs.map((l) => [l.args.poolId, l.args.amount])).to.deep.equal(
      expected.map((p) => [p.poolId, p.amount]),
    );
    expect((await token().balanceOf(alice())) - aliceBefore).to.equal(total);
    expect(poolsBefore - (await token().balanceOf(stack.addrs.pools))).to.equal(total);
    expect(await sdkPools.claimableBySlot(1, A, 0)).to.equal(0n);
    expect(await sdkPools.claimableBySlot(2, A, 0)).to.equal(0n);
    await page.screenshot({ path: join(SHOTS, "claims-two-transactions.png"), fullPage: true });
  });

  it("a claim signed in the browser is relayed by another account on the Relay page, paying exactly", async function () {
    await fundPool1(80n);
    const owed = await pools().claimableBySlot(1, A, 0);
    expect(owed > 0n).to.equal(true);
    const text = await signInBrowser(alice());
    const request = parseSignedRequest(text, "the signed request");
    expect(request).to.deep.include({ function: "claimBySig", signer: alice(), contract: stack.addrs.pools });
    expect(request.message).to.deep.include({
      poolId: "1",
      targets: [{ artifact: A, slot: "0" }],
      recipient: alice(),
      claimant: alice(),
      maxAmount: owed.toString(),
      nonce: "0",
    });
    await page.screenshot({ path: join(SHOTS, "claims-signed.png"), fullPage: true });

    // Bob relays it in his own browser wallet.
    const bob = stack.history.accounts[2];
    relayerProfile = mkdtempSync(join(tmpdir(), "kc-chromium-relayer-"));
    relayerContext = await chromium.launchPersistentContext(relayerProfile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
      viewport: { width: 1280, height: 900 },
    });
    await relayerContext.addInitScript(injectWallet, { rpcUrl: stack.rpcUrl, account: bob, chainId: 31337 });
    const relayer = relayerContext.pages()[0] ?? (await relayerContext.newPage());
    relayer.on("console", (m) => m.type() === "error" && relayerProblems.push(`console error: ${m.text()}`));
    relayer.on("pageerror", (e) => relayerProblems.push(`page error: ${e.message}`));
    await connect(relayer, "#/relay");
    await relayer.waitForSelector("#relay-submit:not([disabled])");
    await relayer.fill("#request-json", text);
    const statuses = await recordStatus(relayer);
    const [aliceT, bobT, poolsT, aliceEth, bobEth] = await Promise.all([
      token().balanceOf(alice()),
      token().balanceOf(bob),
      token().balanceOf(stack.addrs.pools),
      stack.cli.provider.getBalance(alice()),
      stack.cli.provider.getBalance(bob),
    ]);
    const before = await blockNumber();
    await relayer.click("#relay-submit");
    await relayer.waitForSelector("#status.ok", { timeout: 120_000 });
    const amountText = `${formatUnits(owed, 18)} COMM`;
    expect(await relayer.textContent("#status")).to.equal(`relayed: paid ${amountText} to ${alice()}`);
    expect(
      (await statuses()).some((s) =>
        s.startsWith(`pays ${amountText} from pool 1 to ${alice()} (signed by ${alice()})`),
      ),
    ).to.equal(true);
    console.log(`      relay status lines: ${[...new Set(await statuses())].join(" | ")}`);
    expect(await relayer.textContent("#relay-paid")).to.contain(`Paid ${amountText} to ${alice()}`);
    expect(await blockNumber()).to.equal(before + 1);
    const [log] = await pools().queryFilter(pools().filters.RewardsClaimed(), before + 1);
    const receipt = (await stack.cli.provider.getTransactionReceipt(log.transactionHash))!;
    expect(receipt.from).to.equal(bob);
    expect(log.args.amount).to.equal(owed);
    expect((await token().balanceOf(alice())) - aliceT).to.equal(owed);
    expect(poolsT - (await token().balanceOf(stack.addrs.pools))).to.equal(owed);
    expect(await token().balanceOf(bob)).to.equal(bobT);
    expect(await stack.cli.provider.getBalance(alice())).to.equal(aliceEth);
    expect(bobEth - (await stack.cli.provider.getBalance(bob))).to.equal(receipt.gasUsed * receipt.gasPrice);
    await relayer.screenshot({ path: join(SHOTS, "claims-relayed.png"), fullPage: true });

    // The same request again: its nonce is used; the page says why and sends nothing.
    const again = await blockNumber();
    await relayer.click("#relay-submit");
    await relayer.waitForSelector("#status.error");
    expect(await relayer.textContent("#status")).to.match(/^nothing was relayed: reverted: InvalidNonce/);
    expect(await blockNumber()).to.equal(again);
  });

  it("a claim signed in the browser to another address is accepted by the SDK's relay", async function () {
    await fundPool1(40n);
    const owed = await pools().claimableBySlot(1, A, 0);
    const carol = stack.history.accounts[3];
    const text = await signInBrowser(carol);
    const request = parseSignedRequest(text, "the signed request");
    expect(request.message).to.deep.include({ recipient: carol, maxAmount: owed.toString(), nonce: "1" });
    const dave = wallet(stack.cli.provider, 4);
    const [aliceT, carolT, daveT, poolsT] = await Promise.all(
      [alice(), carol, dave.address, stack.addrs.pools].map((a) => token().balanceOf(a)),
    );
    const done = await relay(request, dave, { registry: registry(), pools: pools() });
    expect(done.receipt.from).to.equal(dave.address);
    expect(done.claimed!.map((c) => [c.artifact, c.slot, c.account, c.recipient, c.amount])).to.deep.equal([
      [A, 0n, alice(), carol, owed],
    ]);
    expect(await token().balanceOf(alice())).to.equal(aliceT);
    expect((await token().balanceOf(carol)) - carolT).to.equal(owed);
    expect(await token().balanceOf(dave.address)).to.equal(daveT);
    expect(poolsT - (await token().balanceOf(stack.addrs.pools))).to.equal(owed);
  });
});
