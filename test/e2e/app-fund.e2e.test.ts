import { join } from "node:path";

import { expect } from "chai";
import { NonceManager, formatUnits, parseUnits } from "ethers";

import { encodeCall, safeBatch } from "../../src/calldata";
import { CommunityToken__factory } from "../../typechain-types/factories/contracts/CommunityToken__factory";
import { IRewardPools__factory } from "../../typechain-types/factories/contracts/interfaces/IRewardPools__factory";
import { MockERC1271Wallet__factory } from "../../typechain-types/factories/contracts/mocks/MockERC1271Wallet__factory";
import { MockERC20__factory } from "../../typechain-types/factories/contracts/mocks/MockERC20__factory";
import { type AppStack, SHOTS, startAppStack } from "./appHarness";
import { digestOf, wallet } from "./history";

/**
 * The pool page in headless Chromium (see appHarness.ts), as the deployer, who funds and curates the scripted
 * pools: fund with a permit (one transaction), approve + fund for a token without permit (and no approve when the
 * allowance suffices), a refused amount that sends nothing, curator actions sent from the wallet (at once and
 * announced with a curation delay), the Safe batch and calldata for a contract curator, and the charts.
 */
describe("app e2e: fund and curate a pool in a real browser", function () {
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(600_000);
  let stack: AppStack;
  let page: AppStack["page"];
  let pools: ReturnType<typeof IRewardPools__factory.connect>;
  let comm: ReturnType<typeof CommunityToken__factory.connect>;
  let plain: ReturnType<typeof MockERC20__factory.connect>;
  let deployer: string;
  let safe: string;
  const A = digestOf("river-dataset");
  const B = digestOf("river-model");
  const unitC = 10n ** 18n;
  const unitP = 10n ** 6n;

  const block = async () => Number(await stack.cli.provider.send("eth_blockNumber", []));
  const index = async (path: string) => {
    const res = await fetch(`${stack.index.url}${path}`);
    expect(res.status, path).to.equal(200);
    return (await res.json()) as any;
  };
  /** The wallet requests the page made since it loaded (the harness's wallet, wrapped by an init script). */
  const walletCalls = (): Promise<string[]> => page.evaluate(() => (window as any).__walletCalls as string[]);
  const sent = async () => (await walletCalls()).filter((m) => m === "eth_sendTransaction").length;
  const signed = async () => (await walletCalls()).filter((m) => m.startsWith("eth_signTypedData")).length;

  /** Loads `hash` afresh, connects the wallet and waits for the pool page's actions. */
  async function open(hash: string, ready = "#fund-go:not([disabled])") {
    await page.goto(`${stack.appUrl}${hash}`);
    await page.reload();
    await page.getByRole("button", { name: "Connect Test wallet" }).click();
    await page.waitForSelector("#account");
    await page.waitForSelector(ready);
  }

  async function statusAfter(click: () => Promise<void>): Promise<{ kind: string; text: string }> {
    await page.evaluate(() => {
      document.querySelector("#status")!.className = "";
      document.querySelector("#status")!.textContent = "";
    });
    await click();
    await page.waitForSelector("#status.ok, #status.error", { timeout: 120_000 });
    return {
      kind: (await page.getAttribute("#status", "class"))!,
      text: (await page.textContent("#status"))!,
    };
  }

  before(async function () {
    const started = await startAppStack("fund", { extraArtifacts: 0, account: 0 });
    if (!started) this.skip();
    stack = started!;
    page = stack.page;
    const provider = stack.cli.provider;
    const owner = new NonceManager(wallet(provider, 0));
    deployer = stack.history.accounts[0];
    pools = IRewardPools__factory.connect(stack.addrs.pools, owner);
    comm = CommunityToken__factory.connect(stack.addrs.token, owner);
    // The history left an allowance; without one the app has to choose between permit and approve.
    await (await comm.approve(stack.addrs.pools, 0)).wait();
    // Pool 3 pays a token without ERC-2612 permit; pool 4 has a curation delay; pool 5's curator is a contract.
    const mock = await new MockERC20__factory(owner).deploy("Plain", "PLN", 6);
    await mock.waitForDeployment();
    plain = MockERC20__factory.connect(await mock.getAddress(), owner);
    await (await plain.mint(deployer, 1000n * unitP)).wait();
    await (await pools.createPool(await plain.getAddress(), deployer, 0)).wait();
    await (await pools.admit(3, A, 1)).wait();
    await (await pools.createPool(stack.addrs.token, deployer, 3600)).wait();
    const contract = await new MockERC1271Wallet__factory(owner).deploy(deployer);
    await contract.waitForDeployment();
    safe = await contract.getAddress();
    await (await pools.createPool(stack.addrs.token, safe, 0)).wait();
    await stack.index.reached(await block());
    await stack.context.addInitScript(() => {
      const eth = (window as any).ethereum;
      const calls: string[] = ((window as any).__walletCalls = []);
      const request = eth.request.bind(eth);
      eth.request = (args: { method: string }) => {
        calls.push(args.method);
        return request(args);
      };
    });
  });

  after(async function () {
    await stack?.stop();
  });

  afterEach(function () {
    if (!stack) return;
    if (this.currentTest?.state === "failed")
      console.log(stack.index.log().split("\n").slice(-30).join("\n"));
    expect(stack.problems, stack.problems.join("\n")).to.deep.equal([]);
  });

  it("funds with an ERC-2612 permit: one signature, one transaction, exactly the amount", async function () {
    await open("#/pool/1");
    expect(await comm.allowance(deployer, stack.addrs.pools)).to.equal(0n);
    const balance = await comm.balanceOf(deployer);
    const funded = BigInt((await index("/kc/pools/1")).pool.funded);
    const nonce = await stack.cli.provider.getTransactionCount(deployer);
    const from = (await block()) + 1;
    await page.fill("#fund-amount", "12.5");
    const s = await statusAfter(() => page.click("#fund-go"));
    expect(s).to.deep.equal({ kind: "ok", text: "funded 12.5 COMM to pool #1 in 1 transaction(s)" });
    const amount = parseUnits("12.5", 18);
    expect(await signed()).to.equal(1);
    expect(await sent()).to.equal(1);
    expect(await stack.cli.provider.getTransactionCount(deployer)).to.equal(nonce + 1);
    expect(await comm.balanceOf(deployer)).to.equal(balance - amount);
    expect(await comm.allowance(deployer, stack.addrs.pools)).to.equal(0n);
    const logs = await pools.queryFilter(pools.filters.PoolFunded(), from);
    expect(logs.map((l) => [...l.args])).to.deep.equal([[1n, deployer, amount, amount]]);
    const tx = await stack.cli.provider.getTransaction(logs[0].transactionHash);
    expect(tx!.data.slice(0, 10)).to.equal(pools.interface.getFunction("fundWithPermit")!.selector);
    expect(BigInt((await index("/kc/pools/1")).pool.funded)).to.equal(funded + amount);
    // The page waited for the index before showing the pool again.
    await page.waitForSelector("#pool");
    expect(await page.textContent("#pool")).to.contain(`Funded${formatUnits(funded + amount, 18)} COMM`);
    await page.screenshot({ path: join(SHOTS, "pool-funded-permit.png"), fullPage: true });
  });

  it("funds a token without permit with approve + fund, and skips the approve when the allowance suffices", async function () {
    await open("#/pool/3");
    const balance = await plain.balanceOf(deployer);
    const from = (await block()) + 1;
    await page.fill("#fund-amount", "5");
    let s = await statusAfter(() => page.click("#fund-go"));
    expect(s).to.deep.equal({ kind: "ok", text: "funded 5 PLN to pool #3 in 2 transaction(s)" });
    expect(await signed()).to.equal(0);
    expect(await sent()).to.equal(2);
    expect(await plain.balanceOf(deployer)).to.equal(balance - 5n * unitP);
    let logs = await pools.queryFilter(pools.filters.PoolFunded(3), from);
    expect(logs.map((l) => [...l.args])).to.deep.equal([[3n, deployer, 5n * unitP, 5n * unitP]]);
    expect(await plain.allowance(deployer, stack.addrs.pools)).to.equal(0n);

    // The app sent from this account meanwhile: the nonce comes from the node itself.
    const nonce = Number(await stack.cli.provider.send("eth_getTransactionCount", [deployer, "pending"]));
    await (
      await plain.connect(wallet(stack.cli.provider, 0)).approve(stack.addrs.pools, 10n * unitP, { nonce })
    ).wait();
    await open("#/pool/3");
    const from2 = (await block()) + 1;
    await page.fill("#fund-amount", "3");
    s = await statusAfter(() => page.click("#fund-go"));
    expect(s).to.deep.equal({ kind: "ok", text: "funded 3 PLN to pool #3 in 1 transaction(s)" });
    expect(await sent()).to.equal(1);
    logs = await pools.queryFilter(pools.filters.PoolFunded(3), from2);
    expect(logs.map((l) => [...l.args])).to.deep.equal([[3n, deployer, 3n * unitP, 3n * unitP]]);
    expect(await plain.balanceOf(deployer)).to.equal(balance - 8n * unitP);
    expect(await plain.allowance(deployer, stack.addrs.pools)).to.equal(7n * unitP);
    await page.screenshot({ path: join(SHOTS, "pool-funded-approve.png"), fullPage: true });
  });

  it("refuses an amount above the balance with the CLI's reason, asking the wallet nothing", async function () {
    await open("#/pool/3");
    const before = await block();
    await page.fill("#fund-amount", "5000");
    const s = await statusAfter(() => page.click("#fund-go"));
    expect(s).to.deep.equal({
      kind: "error",
      text: `${deployer} holds 992 PLN, less than the 5000 PLN to fund`,
    });
    expect(await sent()).to.equal(0);
    expect(await signed()).to.equal(0);
    expect(await block()).to.equal(before);
    expect(await page.isEnabled("#fund-go")).to.equal(true);
  });

  it("streams into a pool: StreamCreated with the schedule asked for", async function () {
    await open("#/pool/1");
    const from = (await block()) + 1;
    await page.fill("#fund-amount", "2");
    await page.check('#fund input[name="how"][value="stream"]');
    await page.fill("#fund-duration", "2 days");
    await page.check("#fund-cancelable");
    const s = await statusAfter(() => page.click("#fund-go"));
    expect(s).to.deep.equal({ kind: "ok", text: "streaming 2 COMM into pool #1 in 1 transaction(s)" });
    const [log] = await pools.queryFilter(pools.filters.StreamCreated(1), from);
    expect(log.args.funder).to.equal(deployer);
    expect(log.args.received).to.equal(2n * unitC);
    expect(log.args.end - log.args.start).to.equal(2n * 86_400n);
    expect(log.args.cancelable).to.equal(true);
  });

  it("the curator sets a member's weight from the page, and the page shows the new weight", async function () {
    await open("#/pool/1", `#curate tr[data-artifact="${B}"] button.set-weight`);
    expect(await page.inputValue("#curate-mode")).to.equal("send");
    const row = `#curate tr[data-artifact="${B}"]`;
    expect(await page.getAttribute(row, "data-weight")).to.equal("4");
    const from = (await block()) + 1;
    await page.fill(`${row} input.new-weight`, "7");
    const s = await statusAfter(() => page.click(`${row} button.set-weight`));
    expect(s).to.deep.equal({
      kind: "ok",
      text: `Done: change the weight of ${B} (model) in pool #1 from 4 to 7`,
    });
    expect((await pools.member(1, B)).weight).to.equal(7n);
    const logs = await pools.queryFilter(pools.filters.WeightChanged(1), from);
    expect(logs.map((l) => [...l.args])).to.deep.equal([[1n, B, 4n, 7n]]);
    await page.waitForSelector(`${row}[data-weight="7"]`);
    expect(await page.textContent(`${row} td.num`)).to.equal("7");
    await page.screenshot({ path: join(SHOTS, "pool-curated.png"), fullPage: true });
  });

  it("with a curation delay: announces, refuses an early execute with its reason, executes when due", async function () {
    await open("#/pool/4", "#admit button");
    await page.fill("#admit-artifact", A);
    await page.fill("#admit-weight", "2");
    let s = await statusAfter(() => page.click("#admit button"));
    const change = await pools.pendingChange(4, 1);
    const due = new Date(Number(change[0]) * 1000).toISOString().replace(".000Z", "Z");
    expect(s).to.deep.equal({
      kind: "ok",
      text: `Announced: admit ${A} (dataset) to pool #4 with weight 2; change #1, executable by anyone from ${due}`,
    });
    await page.waitForSelector('#changes tr[data-change="1"] button.execute');
    const before = await block();
    s = await statusAfter(() => page.click('#changes tr[data-change="1"] button.execute'));
    expect(s.kind).to.equal("error");
    expect(s.text).to.match(
      /^reverted: ChangeNotDue\(changeId=1, executeAfter=\d+\) — the change can be executed from /,
    );
    expect(await block()).to.equal(before);
    expect(await sent()).to.equal(1);

    await stack.cli.provider.send("evm_setNextBlockTimestamp", [Number(change[0]) + 1]);
    await stack.cli.provider.send("evm_mine", []);
    const latest = await stack.cli.provider.send("eth_getBlockByNumber", ["latest", false]);
    expect(Number(latest.timestamp)).to.be.greaterThan(Number(change[0]));
    s = await statusAfter(() => page.click('#changes tr[data-change="1"] button.execute'));
    expect(s).to.deep.equal({ kind: "ok", text: "Done: execute change #1 of pool #4" });
    expect((await pools.member(4, A)).weight).to.equal(2n);
    await page.waitForSelector(`#curate tr[data-artifact="${A}"][data-weight="2"]`);
    expect(await page.locator("#changes").count()).to.equal(0);
  });

  it("for a contract curator shows the Safe batch and the calldata of src/calldata.ts, sending nothing", async function () {
    await open("#/pool/5", "#admit button");
    expect(await page.inputValue("#curate-mode")).to.equal("safe");
    const before = await block();
    await page.fill("#admit-artifact", A);
    await page.fill("#admit-weight", "3");
    let s = await statusAfter(() => page.click("#admit button"));
    const what = `admit ${A} (dataset) to pool #5 with weight 3`;
    expect(s).to.deep.equal({ kind: "ok", text: `not sent: ${what}; to be sent by ${safe}` });
    const shown = JSON.parse((await page.textContent("#unsent-text"))!);
    const call = encodeCall(pools.interface, stack.addrs.pools, "admit", [5n, A, 3]);
    expect(shown).to.deep.equal(
      safeBatch(31337, [call], {
        name: "Knowledge Commons",
        description: what,
        safe,
        createdAt: shown.createdAt,
      }),
    );
    // What `kc pool-admit --safe` prints for the same call, but for the time it was made.
    const cli = await stack.cli.kcJson(
      "pool-admit",
      "--pool",
      "5",
      "--artifact",
      A,
      "--weight",
      "3",
      "--safe",
    );
    expect({ ...shown, createdAt: 0, meta: { ...shown.meta, checksum: "" } }).to.deep.equal({
      ...cli,
      createdAt: 0,
      meta: { ...cli.meta, checksum: "" },
    });
    const download = page.waitForEvent("download");
    await page.click("#unsent-download");
    const file = await download;
    expect(file.suggestedFilename()).to.equal("pool-5-admit-safe.json");

    await page.selectOption("#curate-mode", "calldata");
    s = await statusAfter(() => page.click("#admit button"));
    expect(s.kind).to.equal("ok");
    expect(JSON.parse((await page.textContent("#unsent-text"))!)).to.deep.equal(call);
    expect(await sent()).to.equal(0);
    expect(await block()).to.equal(before);
    await page.screenshot({ path: join(SHOTS, "pool-safe-batch.png"), fullPage: true });
  });

  it("draws the pool's funded and claimed, and an artifact's earnings, one point per point served", async function () {
    await open("#/pool/1", "#pool-chart svg");
    const series = await index("/kc/pools/1/series");
    const funded = BigInt((await index("/kc/pools/1")).pool.funded);
    expect(BigInt(series.points.at(-1).funded)).to.equal(funded);
    expect(series.points.length).to.be.greaterThan(3);
    expect(await page.locator("#pool-chart g.series.funded circle.point").count()).to.equal(
      series.points.length,
    );
    expect(await page.locator("#pool-chart g.series.claimed circle.point").count()).to.equal(
      series.points.length,
    );
    await page.screenshot({ path: join(SHOTS, "pool-chart.png"), fullPage: true });

    await page.goto(`${stack.appUrl}#/artifact/${A}`);
    await page.waitForSelector("#earned svg");
    const earned = await index(`/kc/artifacts/${A}/series`);
    expect(earned.pools.map((p: any) => p.poolId)).to.deep.equal(["1", "3", "4"]);
    for (const p of earned.pools) {
      expect(
        await page
          .locator(`#earned .earned-chart[data-pool="${p.poolId}"] g.series.funded circle.point`)
          .count(),
      ).to.equal(p.points.length);
    }
    await page.screenshot({ path: join(SHOTS, "artifact-earned.png"), fullPage: true });
  });
});
