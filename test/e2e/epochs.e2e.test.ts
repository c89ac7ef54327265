import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { Contract, JsonRpcProvider } from "ethers";

import { type CliNode, ROOT, startCliNode } from "./harness";

/**
 * The scored-epoch story of issue 12 as a user runs it: `npx hardhat node` in its own process on a free port, and every `kc`
 * task as a separate `hardhat kc … --network remote` process whose RPC_URL/MNEMONIC come from the
 * environment, exactly as `.env` would provide them. Checks what the tasks print and what the chain
 * holds afterwards.
 */

// The first accounts of that mnemonic (hardhat node's defaults).
const A0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const A1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const A2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const A3 = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const DATASET = "0x1d86cb19bff4a347fd958ae421859ef44b433f32513bfeef3c07f1b0335aac64";
const SNIPPET = "0x8810316a2f6c9c38422bf3e1e5c1621426d9a89f29707d703d309a84be545e69";
const TOKEN = 10n ** 18n;

describe("kc scored epochs end to end on a hardhat node", function () {
  // Coverage instruments the contracts in-process; a separate node would run uninstrumented code.
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(600_000);

  let cli: CliNode;
  let provider: JsonRpcProvider;
  let tmp: string;
  let deploymentId: string;
  let token: string;
  let programs: string;
  let programId: string;
  let dir: string;
  let usage1: string;

  const kc = (...args: string[]) => cli.kc(...args);
  const kcJson = (...args: string[]) => cli.kcJson(...args);

  async function balanceOf(account: string): Promise<bigint> {
    return new Contract(token, ["function balanceOf(address) view returns (uint256)"], provider).balanceOf(
      account,
    );
  }

  before(async function () {
    cli = await startCliNode("epochs");
    ({ provider, tmp, deploymentId } = cli);
  });

  after(async function () {
    await cli?.stop();
  });

  async function expectFails(args: string[], message: RegExp): Promise<void> {
    const block = await provider.getBlockNumber();
    const run = await kc(...args);
    expect(run.code, `kc ${args.join(" ")} should fail:\n${run.stdout}`).to.equal(1);
    const lines = run.stderr
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("error:"));
    expect(lines, run.stderr).to.have.length(1);
    expect(lines[0]).to.match(message);
    expect(await provider.getBlockNumber(), "nothing was sent").to.equal(block);
  }

  it("deploys, registers a lineage and creates and funds a program", async function () {
    const parameters = join(tmp, "parameters.json");
    writeFileSync(parameters, JSON.stringify({ KnowledgeRegistry: { minCommitAge: 0, maxCommitAge: 0 } }));
    const out = await kcJson("deploy", "--token", "--parameters", parameters);
    token = out.token.address;
    await kcJson(
      "register",
      "--path",
      "examples/river-dataset",
      "--kind",
      "dataset",
      "--contributors",
      `${A0}:60,${A1}:40`,
    );
    await kcJson(
      "register",
      "--path",
      "examples/snippet.py",
      "--kind",
      "code",
      "--contributors",
      `${A2}:1`,
      "--parents",
      DATASET,
      "--upstream",
      "25%",
    );
    const created = await kcJson("program-create", "--token", token, "--guardian", A1, "--window", "1h");
    expect(created).to.include({ token, scorer: A0, guardian: A1, disputeWindow: "3600" });
    programId = created.programId;
    const funded = await kcJson("program-fund", "--program", programId, "--amount", "1000");
    expect(funded.received).to.equal((1000n * TOKEN).toString());
    programs = (
      JSON.parse(
        (await import("node:fs")).readFileSync(
          join(ROOT, "ignition", "deployments", deploymentId, "deployed_addresses.json"),
          "utf8",
        ),
      ) as Record<string, string>
    )["ScoredPrograms#ScoredPrograms"];
    expect(await balanceOf(programs)).to.equal(1000n * TOKEN);
  });

  it("builds epoch 1 from a usage file, posts it, and anyone verifies it", async function () {
    dir = join(tmp, "epochs");
    usage1 = join(tmp, "usage-1.csv");
    // Dataset 300 units, snippet 100: dataset 750, snippet 250 of which 25 % (62.5) flows to the dataset.
    writeFileSync(usage1, `digest,units\n${DATASET},300\n${SNIPPET},100\n`);
    const block = String(await provider.getBlockNumber());
    const built = await kcJson(
      "epoch-build",
      "--program",
      programId,
      "--usage",
      usage1,
      "--block",
      block,
      "--dir",
      dir,
    );
    expect(built).to.include({
      epoch: 1,
      accounts: 3,
      dustOut: "0",
      distributable: (1000n * TOKEN).toString(),
    });
    const posted = await kcJson(
      "epoch-post",
      "--program",
      programId,
      "--dir",
      dir,
      "--usage-uri",
      "ipfs://usage-1",
    );
    expect(posted.root).to.equal(built.root);
    // A verifier with only the usage file and the block gets the same root.
    const verified = await kcJson(
      "epoch-verify",
      "--program",
      programId,
      "--epoch",
      "1",
      "--usage",
      usage1,
      "--block",
      block,
      "--dir",
      join(tmp, "nothing-here"),
    );
    expect(verified.match).to.equal(true);
    expect(verified.status).to.equal("pending");
    // A different usage file is a clear mismatch (exit 2).
    const forged = join(tmp, "forged.csv");
    writeFileSync(forged, `digest,units\n${DATASET},301\n${SNIPPET},100\n`);
    const mismatch = await kc(
      "epoch-verify",
      "--program",
      programId,
      "--epoch",
      "1",
      "--usage",
      forged,
      "--block",
      block,
    );
    expect(mismatch.code).to.equal(2);
    expect(mismatch.stdout).to.match(/MISMATCH: epoch 1/);
    expect(mismatch.stdout).to.match(/MISMATCH root: posted 0x/);
  });

  it("refuses a claim before the window ends, then pays to self, to a recipient and by signature", async function () {
    await expectFails(["epoch-claim", "--program", programId, "--dir", dir], /no active root yet/);
    await provider.send("evm_increaseTime", [3601]);
    await provider.send("evm_mine", []);
    const b0 = await balanceOf(A0);
    const c0 = await kcJson("epoch-claim", "--program", programId, "--dir", dir);
    // A0: 60 % of (750 + 62.5) = 487.5
    expect(c0).to.include({ amount: (4875n * TOKEN) / 10n + "", method: "claim" });
    expect((await balanceOf(A0)) - b0).to.equal((4875n * TOKEN) / 10n);
    const c1 = await kcJson(
      "epoch-claim",
      "--program",
      programId,
      "--dir",
      dir,
      "--from",
      "1",
      "--recipient",
      A3,
    );
    expect(c1).to.include({ account: A1, recipient: A3, amount: String(325n * TOKEN), method: "claimTo" });
    // A2 signs, A0 relays: 75 % of 250 = 187.5
    const c2 = await kcJson(
      "epoch-claim",
      "--program",
      programId,
      "--dir",
      dir,
      "--signer",
      "2",
      "--recipient",
      A3,
    );
    expect(c2).to.include({
      account: A2,
      recipient: A3,
      amount: String((1875n * TOKEN) / 10n),
      method: "claimBySig",
    });
    expect(await balanceOf(A3)).to.equal(325n * TOKEN + (1875n * TOKEN) / 10n);
  });

  it("epoch 2: the guardian vetoes a root, the scorer posts again, cumulative claims collect the rest", async function () {
    await kcJson("program-fund", "--program", programId, "--amount", "100");
    const usage2 = join(tmp, "usage-2.jsonl");
    writeFileSync(usage2, `{"digest":"${SNIPPET}","units":"1"}\n`);
    const built = await kcJson("epoch-build", "--program", programId, "--usage", usage2, "--dir", dir);
    expect(built).to.include({ epoch: 2, distributable: (100n * TOKEN).toString() });
    await kcJson("epoch-post", "--program", programId, "--dir", dir);
    await expectFails(["epoch-veto", "--program", programId], /only the guardian|NotGuardian/);
    const vetoed = await kcJson("epoch-veto", "--program", programId, "--from", "1");
    expect(vetoed.root).to.equal(built.root);
    await kcJson("epoch-post", "--program", programId, "--dir", dir);
    await provider.send("evm_increaseTime", [3601]);
    await provider.send("evm_mine", []);
    await kcJson("epoch-activate", "--program", programId);
    const shown = await kcJson("program-show", "--program", programId);
    expect(shown.roots.map((r: { status: string }) => r.status)).to.deep.equal([
      "superseded",
      "vetoed",
      "active",
    ]);
    // A2 gets 75 of 100 (snippet), A0 60 % and A1 40 % of the 25 upstream.
    const c2 = await kcJson("epoch-claim", "--program", programId, "--dir", dir, "--from", "2");
    expect(c2.amount).to.equal(String(75n * TOKEN));
    const c0 = await kcJson("epoch-claim", "--program", programId, "--dir", dir);
    expect(c0.amount).to.equal(String(15n * TOKEN));
    const verified = await kcJson(
      "epoch-verify",
      "--program",
      programId,
      "--epoch",
      "2",
      "--usage",
      usage2,
      "--dir",
      dir,
    );
    expect(verified.match).to.equal(true);
  });

  it("bad input gives one clear line, a non-zero exit, and sends nothing", async function () {
    const bad = join(tmp, "bad.csv");
    writeFileSync(bad, `digest,units\n${DATASET},3\n${SNIPPET},-1\n`);
    await expectFails(
      ["epoch-build", "--program", programId, "--usage", bad, "--dir", dir, "--epoch", "3"],
      /bad\.csv:3: units must not be negative, got -1/,
    );
    const unknown = join(tmp, "unknown.csv");
    writeFileSync(unknown, `${"0x" + "ab".repeat(32)},3\n`);
    await expectFails(
      ["epoch-build", "--program", programId, "--usage", unknown, "--dir", dir],
      /usage line 1: artifact 0xabab.* is not registered/,
    );
    await expectFails(
      ["epoch-build", "--program", programId, "--usage", usage1, "--dir", dir, "--budget", "5000"],
      /budget .* is more than program #1 has not yet allocated/,
    );
    await expectFails(
      ["epoch-post", "--program", programId, "--dir", dir, "--epoch", "2", "--from", "2"],
      /NotScorer|scorer/,
    );
    await expectFails(
      ["epoch-claim", "--program", programId, "--dir", dir, "--from", "3"],
      /has no amount in epoch 2/,
    );
  });
});
