import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { ZeroHash, sha256, toUtf8Bytes } from "ethers";

import { digestToCid } from "../../src/cid";
import { KnowledgeRegistry__factory } from "../../typechain-types/factories/contracts/KnowledgeRegistry__factory";
import { type AppStack, SHOTS, startAppStack } from "./appHarness";
import { ROOT } from "./harness";
import { digestOf } from "./history";
import { type RunningIndex, startIndex } from "./indexHarness";

/**
 * The Register page and the lookup in headless Chromium against a hardhat node, the index and `npm run app`
 * (appHarness.ts): a dropped file is hashed in the page, registered with contributors and a parent given by its
 * CID, and found again by CID and by dropping it; registering it twice sends nothing. A second deployment with
 * commit-reveal on (its own index; the page's config.json points at it) shows the countdown by the chain's clock
 * while the test moves the node's time. Screenshots go to test/e2e/screenshots/.
 */

/** Drops a file with `content` on `selector`, as a browser does (Chromium cannot synthesize a dropped folder). */
async function dropFile(page: AppStack["page"], selector: string, name: string, content: string) {
  await page.evaluate(
    ({ selector, name, content }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([content], name, { type: "text/plain" }));
      document
        .querySelector(selector)!
        .dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { selector, name, content },
  );
}

const blockNumber = async (stack: AppStack) => Number(await stack.cli.provider.send("eth_blockNumber", []));

describe("app e2e: register a dropped file, find it by CID or content", function () {
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(900_000);
  let stack: AppStack;
  let page: AppStack["page"];
  let appUrl: string;
  const content = "River gauge readings, cleaned, 2026 edition\n";
  const digest = sha256(toUtf8Bytes(content));

  before(async function () {
    const started = await startAppStack("register", { extraArtifacts: 0 });
    if (!started) this.skip();
    stack = started!;
    ({ page, appUrl } = stack);
  });

  after(async function () {
    await stack?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed")
      console.log(stack?.index.log().split("\n").slice(-30).join("\n"));
    expect(stack.problems, stack.problems.join("\n")).to.deep.equal([]);
  });

  it("hashes a dropped file in the page and registers it with contributors and a parent (one transaction)", async function () {
    const [, alice, bob] = stack.history.accounts;
    const parent = digestOf("river-dataset");
    const parentCid = await digestToCid(parent);
    const cid = await digestToCid(digest);
    await page.goto(`${appUrl}#/register`);
    await page.getByRole("button", { name: "Connect Test wallet" }).click();
    await page.waitForSelector("#account");
    await page.waitForSelector("#register-form");
    expect(await page.textContent("#register-form")).to.contain("registers directly (commit-reveal is off)");
    await dropFile(page, "#drop", "gauges.csv", content);
    await page.waitForSelector("#digest");
    // Hashed in the page with the CLI's rules: a small file is one raw block, its digest the SHA-256 of its bytes.
    expect(await page.textContent("#digest")).to.equal(digest);
    expect(await page.textContent("#cid")).to.equal(cid);
    expect(await page.textContent("#scheme")).to.match(/^raw: /);

    await page.selectOption("select[name=kind]", "model");
    await page.fill(".contributor-account", alice);
    await page.fill(".contributor-share", "60%");
    await page.click("#add-contributor");
    await page.locator(".contributor-account").nth(1).fill(bob);
    await page.locator(".contributor-share").nth(1).fill("40%");
    await page.fill("input[name=parents]", parentCid);
    await page.fill("input[name=upstream]", "10%");
    await page.screenshot({ path: join(SHOTS, "register-filled.png"), fullPage: true });

    const before = await blockNumber(stack);
    await page.click("#register");
    await page.waitForSelector("#status.ok", { timeout: 120_000 });
    expect(await page.textContent("#status")).to.match(
      new RegExp(`^registered ${digest} in block ${before + 1} \\(tx 0x[0-9a-f]{64}\\)$`),
    );
    // Commit-reveal off: one transaction.
    expect(await blockNumber(stack)).to.equal(before + 1);

    const registry = KnowledgeRegistry__factory.connect(stack.addrs.registry, stack.cli.provider);
    const [event] = await registry.queryFilter(registry.filters.ArtifactRegistered(digest), before + 1);
    expect(event.args.owner).to.equal(alice);
    expect(event.args.kind).to.equal(1n);
    expect(event.args.scheme).to.equal(0n);
    expect(event.args.uri).to.equal(`ipfs://${cid}`);
    // 60% and 40% go on-chain as 3 and 2, as `kc register --contributors …:60%,…:40%` sends them.
    expect(event.args.contributors.map((c) => [c.account, c.share])).to.deep.equal([
      [alice, 3n],
      [bob, 2n],
    ]);
    expect(event.args.parents).to.deep.equal([parent]);
    expect(event.args.upstreamBps).to.equal(1000n);
    expect(event.args.minUpstreamBps).to.equal(0n);
    expect(event.args.commitment).to.equal(ZeroHash);

    const record = await registry.artifact(digest);
    expect([record.owner, record.kind, record.scheme, record.upstreamBps, record.totalShares]).to.deep.equal([
      alice,
      1n,
      0n,
      1000n,
      5n,
    ]);
    expect((await registry.contributors(digest)).map((c) => [c.account, c.share])).to.deep.equal([
      [alice, 3n],
      [bob, 2n],
    ]);
    expect(await registry.parentsOf(digest)).to.deep.equal([parent]);
    expect(await registry.ownerOf(BigInt(digest))).to.equal(alice);

    // The page opened the new artifact's page, from the index.
    expect(await page.evaluate(() => location.hash)).to.equal(`#/artifact/${digest}`);
    await page.waitForSelector("#record");
    expect(await page.textContent("#record")).to.contain(digest);
    expect(await page.textContent("#record")).to.contain(`ipfs://${cid}`);
    expect(await page.locator("#contributors tbody tr").count()).to.equal(2);
    expect(await page.textContent("#contributors")).to.contain("60.00%");
    expect(await page.locator(`#record a[href="#/artifact/${parent}"]`).count()).to.equal(1);
    await page.screenshot({ path: join(SHOTS, "register-done-artifact.png"), fullPage: true });
  });

  it("finds the artifact by its CID and by dropping the file; an unknown file is 'not registered'", async function () {
    const cid = await digestToCid(digest);
    await page.goto(`${appUrl}#/artifacts`);
    await page.waitForSelector("#go");
    await page.fill("#go input", cid);
    await page.click("#go button");
    await page.waitForSelector("#record");
    expect(await page.evaluate(() => location.hash)).to.equal(`#/artifact/${cid}`);
    expect(await page.textContent("#record")).to.contain(digest);

    await page.goto(`${appUrl}#/artifacts`);
    await page.click("#find summary");
    await dropFile(page, "#lookup-drop", "gauges.csv", content);
    await page.waitForFunction((d) => location.hash === `#/artifact/${d}`, digest);
    await page.waitForSelector("#record");
    expect(await page.textContent("#record")).to.contain(digest);

    const other = "not registered anywhere\n";
    await page.goto(`${appUrl}#/artifacts`);
    await page.click("#find summary");
    await dropFile(page, "#lookup-drop", "other.txt", other);
    await page.waitForSelector("#not-registered");
    expect(await page.textContent("#not-registered")).to.equal(sha256(toUtf8Bytes(other)));
    await page.screenshot({ path: join(SHOTS, "lookup-not-registered.png"), fullPage: true });
  });

  it("registering the same file again shows the one-line reason and sends nothing", async function () {
    await page.goto(`${appUrl}#/register`);
    await page.waitForSelector("#register-form");
    await dropFile(page, "#drop", "gauges.csv", content);
    await page.waitForSelector("#register:not([disabled])");
    const before = await blockNumber(stack);
    await page.click("#register");
    await page.waitForSelector("#status.error");
    expect(await page.textContent("#status")).to.equal(
      `not registered: artifact ${digest} is already registered (owner ${stack.history.accounts[1]}); see kc show ${digest}`,
    );
    expect(await blockNumber(stack)).to.equal(before);
    await page.screenshot({ path: join(SHOTS, "register-revert.png") });
  });

  describe("with commit-reveal on", function () {
    let index2: RunningIndex | undefined;
    let deploymentId: string;
    let page2: AppStack["page"];
    let addrs2: { registry: string; pools: string };
    const MIN_AGE = 3600;

    before(async function () {
      // A second deployment on the same node, with a real commit window, and an index of its own.
      deploymentId = `e2e-register-cr-${process.pid}`;
      const parameters = join(stack.cli.tmp, "commit-reveal.json");
      writeFileSync(
        parameters,
        JSON.stringify({ KnowledgeRegistry: { minCommitAge: MIN_AGE, maxCommitAge: 86_400 } }),
      );
      const run = await stack.cli.hardhat(
        ["kc", "deploy", "--token", "--parameters", parameters, "--network", "remote", "--json"],
        { KC_DEPLOYMENT_ID: deploymentId },
      );
      if (run.code !== 0) throw new Error(`kc deploy exited ${run.code}: ${run.stderr}`);
      const out = JSON.parse(run.stdout);
      addrs2 = { registry: out.registry, pools: out.pools };
      index2 = await startIndex({ rpcUrl: stack.rpcUrl, ...addrs2 });
      await index2.reached(await blockNumber(stack));
      const config = await (await fetch(`${appUrl}config.json`)).json();
      page2 = await stack.context.newPage();
      page2.on("console", (m) => {
        if (m.type() === "error") stack.problems.push(`console error: ${m.text()}`);
      });
      page2.on("pageerror", (e) => stack.problems.push(`page error: ${e.message}`));
      await page2.route("**/config.json", (route) =>
        route.fulfill({ json: { ...config, ...addrs2, indexUrl: index2!.url } }),
      );
    });

    after(async function () {
      await page2?.close();
      await index2?.stop();
      rmSync(join(ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    });

    it("commits, counts down by the chain's clock while the node's time moves, then reveals", async function () {
      const alice = stack.history.accounts[1];
      const text = "A prompt set for flood forecasting\n";
      const d = sha256(toUtf8Bytes(text));
      await page2.goto(`${appUrl}#/register`);
      await page2.getByRole("button", { name: "Connect Test wallet" }).click();
      await page2.waitForSelector("#account");
      await page2.waitForSelector("#register-form");
      expect(await page2.textContent("#register-form")).to.contain(
        `uses commit-reveal: a commitment first, then the registration once the commitment is ${MIN_AGE} s old`,
      );
      await dropFile(page2, "#drop", "prompts.txt", text);
      await page2.waitForSelector("#register:not([disabled])");
      await page2.selectOption("select[name=kind]", "prompt");
      const before = await blockNumber(stack);
      await page2.click("#register");

      // The commitment is mined and the page counts down; nothing else is sent while it waits.
      await page2.waitForFunction(() =>
        /revealing in \d+ s/.test(document.querySelector("#wait-text")?.textContent ?? ""),
      );
      const left = Number(/revealing in (\d+) s/.exec((await page2.textContent("#wait-text"))!)![1]);
      expect(left).to.be.within(MIN_AGE - 60, MIN_AGE);
      expect(await blockNumber(stack)).to.equal(before + 1);
      await page2.screenshot({ path: join(SHOTS, "register-commit-countdown.png"), fullPage: true });
      const registry = KnowledgeRegistry__factory.connect(addrs2.registry, stack.cli.provider);
      const [committed] = await registry.queryFilter(
        registry.filters.Committed(undefined, alice),
        before + 1,
      );
      expect(committed.blockNumber).to.equal(before + 1);

      // The chain's clock jumps an hour; the page notices (it reads the chain's time again) and reveals.
      await stack.cli.provider.send("evm_increaseTime", [MIN_AGE]);
      await stack.cli.provider.send("evm_mine", []);
      await page2.waitForSelector("#status.ok", { timeout: 120_000 });
      expect(await page2.evaluate(() => location.hash)).to.equal(`#/artifact/${d}`);
      await page2.waitForSelector("#record");

      const [event] = await registry.queryFilter(registry.filters.ArtifactRegistered(d), before + 1);
      expect(event.args.owner).to.equal(alice);
      expect(event.args.kind).to.equal(4n);
      expect(event.args.commitment).to.equal(committed.args.commitment);
      expect(event.args.contributors.map((c) => [c.account, c.share])).to.deep.equal([[alice, 1n]]);
      // Commit, the test's empty block, the reveal: nothing else was sent.
      expect(event.blockNumber).to.equal(before + 3);
      const committedAt = (await stack.cli.provider.getBlock(committed.blockNumber))!.timestamp;
      const revealedAt = (await stack.cli.provider.getBlock(event.blockNumber))!.timestamp;
      expect(revealedAt - committedAt).to.be.at.least(MIN_AGE);
      expect(await registry.commitments(committed.args.commitment)).to.equal((1n << 256n) - 1n);
      await page2.screenshot({ path: join(SHOTS, "register-commit-revealed.png"), fullPage: true });
    });
  });
});
