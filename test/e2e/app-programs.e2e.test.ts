import { join } from "node:path";

import { expect } from "chai";
import { formatUnits } from "ethers";

import { CommunityToken__factory } from "../../typechain-types/factories/contracts/CommunityToken__factory";
import { ScoredPrograms__factory } from "../../typechain-types/factories/contracts/ScoredPrograms__factory";
import { type AppStack, SHOTS, startAppStack } from "./appHarness";
import { buildAndPost, fundedProgram, travel } from "./programs";

/**
 * Scored programs in the app, in headless Chromium (see appHarness.ts): a program created and funded with the
 * SDK, epoch 1 built and posted with the CLI into the folder the index reads (KC_EPOCHS_DIR), its dispute window
 * waited out on the node's clock; the wallet holder sees the exact claimable amount in My rewards, a claim that
 * would revert sends nothing, and a claim pays exactly that amount and shows as claimed in the index.
 */
describe("app e2e: a wallet holder claims a scored program's rewards", function () {
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(900_000);
  let stack: AppStack;
  let programId: bigint;
  let alice: string;

  const earningOf = async (account: string) =>
    ((await (await fetch(`${stack.index.url}/kc/programs/earnings/${account}`)).json()) as any).earnings.find(
      (e: any) => e.programId === `${programId}`,
    );
  const connect = async () => {
    await stack.page.goto(`${stack.appUrl}#/rewards`);
    await stack.page.reload();
    await stack.page.getByRole("button", { name: "Connect Test wallet" }).click();
    await stack.page.waitForSelector(`#program-earnings tr[data-program="${programId}"]`);
  };

  before(async function () {
    const started = await startAppStack("app-programs", { extraArtifacts: 0 });
    if (!started) this.skip();
    stack = started!;
    const { cli, addrs, history } = stack;
    alice = history.accounts[1]!;
    programId = await fundedProgram(cli.provider, addrs, { window: 3600, amount: "1000" });
    const [A, B, C] = history.digests;
    await buildAndPost(
      cli,
      programId,
      [
        [A!, 300],
        [B!, 100],
        [C!, 50],
      ],
      join(cli.tmp, "epochs", "chain-31337", `program-${programId}`),
    );
    const { block } = await travel(cli.provider, 3601);
    await stack.index.reached(block);
  });

  after(async function () {
    await stack?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed")
      console.log(stack?.index.log().split("\n").slice(-30).join("\n"));
    expect(stack.problems, stack.problems.join("\n")).to.deep.equal([]);
  });

  it("shows in My rewards exactly what the contract's `claimable` says", async function () {
    const programs = ScoredPrograms__factory.connect(stack.addrs.programs, stack.cli.provider);
    const e = await earningOf(alice);
    const onChain = await programs.claimable(programId, alice, e.cumulative, e.proof);
    expect(onChain > 0n).to.equal(true);
    expect(e.claimable).to.equal(onChain.toString());
    await connect();
    const row = stack.page.locator(`#program-earnings tr[data-program="${programId}"]`);
    expect(await row.locator("td.claimable").textContent()).to.equal(`${formatUnits(onChain, 18)} COMM`);
    expect(await stack.page.textContent("#programs-total")).to.equal(`${formatUnits(onChain, 18)} COMM`);
    await stack.page.screenshot({ path: join(SHOTS, "programs-rewards.png"), fullPage: true });
  });

  it("a claim that would revert shows the one-line reason and sends nothing", async function () {
    const tokenC = CommunityToken__factory.connect(stack.addrs.token, stack.cli.provider);
    const before = await tokenC.balanceOf(alice);
    const block = Number(await stack.cli.provider.send("eth_blockNumber", []));
    await stack.page.fill("#program-recipient", "0x0000000000000000000000000000000000000000");
    await stack.page.click(`button.claim-program[data-program="${programId}"]`);
    await stack.page.waitForSelector("#status.error");
    expect(await stack.page.textContent("#status")).to.equal(
      `program ${programId}: the recipient must not be the zero address`,
    );
    expect(Number(await stack.cli.provider.send("eth_blockNumber", []))).to.equal(block);
    expect(await tokenC.balanceOf(alice)).to.equal(before);
    expect(await stack.page.isEnabled(`button.claim-program[data-program="${programId}"]`)).to.equal(true);
    await stack.page.screenshot({ path: join(SHOTS, "programs-revert.png") });
  });

  it("claims: the balance grows by exactly the amount shown, and the index shows it claimed", async function () {
    const { cli, addrs, page } = stack;
    const tokenC = CommunityToken__factory.connect(addrs.token, cli.provider);
    const programs = ScoredPrograms__factory.connect(addrs.programs, cli.provider);
    const e = await earningOf(alice);
    const owed = BigInt(e.claimable);
    await connect();
    const before = await tokenC.balanceOf(alice);
    const fromBlock = Number(await cli.provider.send("eth_blockNumber", [])) + 1;
    await page.click(`button.claim-program[data-program="${programId}"]`);
    await page.waitForSelector("#status.ok", { timeout: 120_000 });
    expect(await page.textContent("#status")).to.equal(
      `program ${programId}: claimed ${formatUnits(owed, 18)} COMM to ${alice}`,
    );
    expect((await tokenC.balanceOf(alice)) - before).to.equal(owed);
    const logs = await programs.queryFilter(programs.filters.RewardsClaimed(programId, alice), fromBlock);
    expect(logs.map((l) => [l.args.recipient, l.args.amount, l.args.cumulativeClaimed])).to.deep.equal([
      [alice, owed, owed],
    ]);
    expect(await programs.claimed(programId, alice)).to.equal(owed);
    expect(await earningOf(alice)).to.include({ claimed: owed.toString(), claimable: "0" });
    // The page waited for the index before it re-rendered.
    const row = page.locator(`#program-earnings tr[data-program="${programId}"]`);
    expect(await row.locator("td.claimable").textContent()).to.equal("0.0 COMM");
    expect(await page.isDisabled(`button.claim-program[data-program="${programId}"]`)).to.equal(true);
    await page.screenshot({ path: join(SHOTS, "programs-claimed.png"), fullPage: true });
  });

  it("lists the programs and shows a program page: epochs with status, what was claimed", async function () {
    const { page, appUrl } = stack;
    await page.goto(`${appUrl}#/programs`);
    await page.waitForSelector("#programs tbody tr");
    expect(await page.locator("#programs tbody tr").count()).to.equal(1);
    await page.screenshot({ path: join(SHOTS, "programs-list.png") });
    await page.click(`a[href="#/programs/${programId}"]`);
    await page.waitForSelector("#program-epochs tbody tr");
    expect(await page.locator("#program-epochs tbody tr td.status").allTextContents()).to.deep.equal([
      "active",
    ]);
    expect(await page.textContent("#program-epoch-files")).to.match(
      /^proofs from .*epoch-1\/allocation\.csv \(4 accounts, hash and root verified\)$/,
    );
    const claims = await page.locator("#program-claims tbody tr td a").allTextContents();
    expect(claims).to.deep.equal([alice.toLowerCase()]);
    await page.screenshot({ path: join(SHOTS, "program-page.png"), fullPage: true });
  });
});
