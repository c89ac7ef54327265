import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { Contract, JsonRpcProvider, Wallet, parseUnits } from "ethers";

import { describeError, errorInterfaceFrom } from "../../src/decodeError";
import { type CliNode, type Run, startCliNode } from "./harness";

/**
 * The CLI as a user runs it: `npx hardhat node` in its own process on a free port, and every `kc`
 * task as a separate `hardhat kc … --network remote` process whose RPC_URL/MNEMONIC come from the
 * environment, exactly as `.env` would provide them. Checks what the tasks print and what the chain
 * holds afterwards.
 */

// The first accounts of that mnemonic (hardhat node's defaults).
const A0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const A1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const A2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const A0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/** examples/river-dataset in the default IPFS mode (unixfs-v1-2025), and its CID. */
const DATASET = "0x1d86cb19bff4a347fd958ae421859ef44b433f32513bfeef3c07f1b0335aac64";
const DATASET_CID = "bafybeia5q3frtp7uund73fmk4qqylhxujnbt6msrhp7o6pah6gydgwvmmq";
const DATASET_MANIFEST = "0xf714f859a4c21034672d08945ca4cc22e7f32615f5427f06e1508ba9861c233b";
const SNIPPET = "0x8810316a2f6c9c38422bf3e1e5c1621426d9a89f29707d703d309a84be545e69";
const UNREGISTERED = "0x" + "ab".repeat(32);
const TOKEN = 10n ** 18n;

describe("kc CLI end to end on a hardhat node", function () {
  // Coverage instruments the contracts in-process; a separate node would run uninstrumented code.
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  // Generous: every step is a separate Hardhat process, slow on a loaded 2-core machine.
  this.timeout(300_000);

  let cli: CliNode;
  let provider: JsonRpcProvider;
  let tmp: string;
  let deploymentId: string;
  let registry: string;
  let pools: string;
  let token: string;
  let poolId: string;
  /** What the cancelled stream of the second pool released to its members. */
  let secondReleased: bigint;

  const kc = (...args: string[]) => cli.kc(...args);
  const kcJson = (...args: string[]) => cli.kcJson(...args);

  async function balanceOf(account: string): Promise<bigint> {
    return new Contract(token, ["function balanceOf(address) view returns (uint256)"], provider).balanceOf(
      account,
    );
  }

  before(async function () {
    cli = await startCliNode("cli");
    ({ provider, tmp, deploymentId } = cli);
  });

  after(async function () {
    await cli?.stop();
  });

  it("hash prints the pinned digest of a folder and of a CID", async function () {
    const folder = await kcJson("hash", "examples/river-dataset");
    expect(folder).to.include({
      digest: DATASET,
      scheme: "unixfs",
      cid: DATASET_CID,
      uri: `ipfs://${DATASET_CID}`,
      kind: "folder",
      files: 2,
      bytes: "2192",
    });
    const manifest = await kcJson("hash", "examples/river-dataset", "--mode", "manifest");
    expect(manifest).to.include({ digest: DATASET_MANIFEST, scheme: "manifest", cid: null });
    const cid = await kcJson("hash", "--cid", "bafkreieicaywul3mtq4eek7t4hs4cyque3m2rhzjob6xapjqtkcl4vc6ne");
    expect(cid).to.include({ digest: SNIPPET, codec: "raw", version: 1 });
  });

  it("deploy runs the Ignition modules over JSON-RPC, with commit-reveal on", async function () {
    const parameters = join(tmp, "parameters.json");
    writeFileSync(parameters, JSON.stringify({ KnowledgeRegistry: { minCommitAge: 2, maxCommitAge: 3600 } }));
    const out = await kcJson("deploy", "--token", "--parameters", parameters);
    expect(out).to.include({ chainId: "31337", deploymentId, minCommitAge: "2", maxCommitAge: "3600" });
    ({ registry, pools } = out);
    token = out.token.address;
    for (const address of [registry, pools, token])
      expect(await provider.getCode(address)).not.to.equal("0x");
    expect(await balanceOf(A0)).to.equal(1_000_000n * TOKEN);
  });

  it("register commits, waits out the commit age, and reveals", async function () {
    const dataset = await kcJson(
      "register",
      "--path",
      "examples/river-dataset",
      "--kind",
      "dataset",
      "--uri",
      "ipfs://river-dataset",
      "--contributors",
      `${A0}:60,${A1}:40`,
      "--min-upstream",
      "10%",
    );
    expect(dataset).to.include({
      digest: DATASET,
      scheme: "unixfs",
      cid: DATASET_CID,
      kind: "dataset",
      owner: A0,
      minUpstreamBps: 1000,
    });
    expect(dataset.commit.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(dataset.commit.waited).to.be.at.least(2);

    const snippet = await kcJson(
      "register",
      "--path",
      "examples/snippet.py",
      "--kind",
      "code",
      "--parents",
      DATASET,
      "--upstream",
      "10%",
      "--min-upstream",
      "10%",
    );
    expect(snippet).to.deep.include({
      digest: SNIPPET,
      scheme: "raw",
      parents: [DATASET],
      upstreamBps: 1000,
    });
    expect(snippet.contributors).to.deep.equal([{ account: A0, share: "1" }]);

    const registered = new Contract(registry, ["function exists(bytes32) view returns (bool)"], provider);
    expect(await registered.exists(DATASET)).to.equal(true);
    expect(await registered.exists(SNIPPET)).to.equal(true);
  });

  it("pool-create, pool-admit and fund (at once and streamed) set up a pool", async function () {
    const created = await kcJson("pool-create", "--token", token);
    expect(created).to.include({ token, symbol: "COMM", curator: A0 });
    poolId = created.poolId;
    expect(
      (await kcJson("pool-admit", "--pool", poolId, "--artifact", DATASET, "--weight", "3")).totalWeight,
    ).to.equal("3");
    const many = await kcJson("pool-admit-many", "--pool", poolId, "--artifacts", SNIPPET, "--weights", "1");
    expect(many.admitted).to.deep.equal([{ artifact: SNIPPET, weight: 1 }]);
    expect(many.totalWeight).to.equal("4");
    const instant = await kcJson("fund", "--pool", poolId, "--amount", "100");
    expect(instant).to.include({ amount: (100n * TOKEN).toString(), received: (100n * TOKEN).toString() });
    expect(instant.approval).to.equal("permit");
    const stream = await kcJson(
      "fund",
      "--pool",
      poolId,
      "--amount",
      "40",
      "--duration",
      "1d",
      "--no-permit",
    );
    expect(stream).to.include({ duration: "86400", approval: "approve" });
    expect(await balanceOf(pools)).to.equal(140n * TOKEN);
    // Let the stream run out without waiting a day.
    await provider.send("evm_increaseTime", [86_400]);
    await provider.send("evm_mine", []);
  });

  it("claim settles the derivative, then pays each contributor what the weights and lineage give", async function () {
    // 140 COMM by weight 3:1: dataset 105, snippet 35; the snippet passes 10% (3.5) up to the dataset.
    // kc earnings says beforehand what the claim pays: claimable now plus what settling the snippet adds.
    const earnings = await kcJson("earnings", "--account", A0);
    expect(earnings.pools.map((p: { poolId: string }) => p.poolId)).to.deep.equal([poolId]);
    const predicted = BigInt(earnings.pools[0].claimable) + BigInt(earnings.pools[0].waiting);
    expect(BigInt(earnings.pools[0].waiting)).to.be.greaterThan(0n);
    const before0 = await balanceOf(A0);
    const claim0 = await kcJson("claim", "--pool", poolId);
    expect(BigInt(claim0.pools[0].total)).to.equal(predicted);
    expect(claim0.settled).to.deep.equal([SNIPPET]);
    const total0 = BigInt(claim0.pools[0].total);
    expect(total0).to.be.closeTo(parseUnits("96.6", 18), 10n); // 60% of 108.5 + 31.5
    expect((await balanceOf(A0)) - before0).to.equal(total0);

    const before2 = await balanceOf(A2);
    const claim1 = await kcJson("claim", "--pool", poolId, "--from", "1", "--to", A2);
    expect(claim1).to.include({ account: A1, recipient: A2 });
    const total1 = BigInt(claim1.pools[0].total);
    expect(total1).to.be.closeTo(parseUnits("43.4", 18), 10n); // 40% of 108.5
    expect((await balanceOf(A2)) - before2).to.equal(total1);
  });

  it("a pool with a curation delay: announce, list, execute when due, cancelable stream, claim across pools", async function () {
    const created = await kcJson("pool-create", "--token", token, "--curation-delay", "1h");
    expect(created).to.include({ curationDelay: "3600" });
    const second = created.poolId as string;
    const announced = await kcJson("pool-admit", "--pool", second, "--artifact", DATASET, "--weight", "1");
    expect(announced).to.include({ changeId: "1", totalWeight: "0" });
    const changes = await kcJson("pool-changes", "--pool", second);
    expect(changes.changes).to.deep.equal([
      {
        changeId: "1",
        executeAfter: announced.executeAfter,
        ops: [{ artifact: DATASET, weight: "1", action: "admit" }],
      },
    ]);
    const early = await kc("pool-execute", "--pool", second, "--change", "1");
    expect(early.code).to.equal(1);
    expect(early.stderr.trim()).to.match(
      /^error: reverted: ChangeNotDue\(changeId=1, executeAfter=\d+\) — the change can be executed from /,
    );
    await provider.send("evm_increaseTime", [3_600]);
    await provider.send("evm_mine", []);
    const executed = await kcJson("pool-execute", "--pool", second, "--change", "1", "--from", "2");
    expect(executed).to.include({ changeId: "1", steps: 1 });
    expect((await kcJson("pool-changes", "--pool", second)).changes).to.deep.equal([]);

    const stream = await kcJson(
      "fund",
      "--pool",
      second,
      "--amount",
      "100",
      "--duration",
      "10d",
      "--cancelable",
    );
    expect(stream).to.include({ cancelable: true });
    const listed = await kcJson("pool-streams", "--pool", second);
    expect(listed.streams).to.have.length(1);
    expect(listed.streams[0]).to.include({
      streamId: stream.streamId,
      funder: A0,
      cancelable: true,
      status: "running",
    });
    await provider.send("evm_increaseTime", [86_400]);
    await provider.send("evm_mine", []);
    const before = await balanceOf(A0);
    const cancelled = await kcJson("stream-cancel", "--pool", second, "--stream", stream.streamId);
    const released = (secondReleased = BigInt(cancelled.released));
    // What the schedule released by the cancelling block: ceil(rate × elapsed / 2^32), rate rounded down.
    const cancelledAt = BigInt((await provider.getBlock(cancelled.blockNumber))!.timestamp);
    const rate = (100n * TOKEN * 2n ** 32n) / 864_000n;
    const elapsed = cancelledAt - BigInt(listed.streams[0].start);
    expect(released).to.equal((rate * elapsed + 2n ** 32n - 1n) / 2n ** 32n);
    expect(BigInt(cancelled.refunded)).to.equal(100n * TOKEN - released);
    expect((await balanceOf(A0)) - before).to.equal(BigInt(cancelled.refunded));

    // One transaction pays A0 from both pools.
    await kcJson("fund", "--pool", poolId, "--amount", "10");
    const both = await kcJson("claim");
    expect(both.pools.map((p: { poolId: string }) => p.poolId)).to.deep.equal([poolId, second]);
    const receipt = await provider.getTransactionReceipt(both.txHash);
    expect(receipt!.status).to.equal(1);
    // The dataset's other contributor takes its 40 % from both pools too, so only rounding dust stays.
    const other = await kcJson("claim", "--from", "1");
    expect(other.pools.map((p: { poolId: string }) => p.poolId)).to.deep.equal([poolId, second]);
  });

  it("show and pool-show report the artifact, its lineage and the pool", async function () {
    const shown = await kc("show", DATASET);
    expect(shown.code).to.equal(0);
    expect(shown.stdout).to.include(`Artifact ${DATASET} (dataset)`);
    expect(shown.stdout).to.match(
      new RegExp(`scheme:\\s+unixfs\\n\\s+cid:\\s+${DATASET_CID}  ipfs://${DATASET_CID}`),
    );
    expect(shown.stdout).to.match(/children:\s+0x8810316a.* \(code, gives 10%\)/);
    expect(shown.stdout).to.match(/pools:\s+#1 weight 3 of 4 \(COMM\)/);

    const pool = await kcJson("pool-show", "--pool", poolId);
    expect(pool).to.include({ funded: (150n * TOKEN).toString(), totalWeight: "4", symbol: "COMM" });
    const second = await kcJson("pool-show", "--pool", "2");
    expect(second).to.include({ curationDelay: "3600", totalWeight: "1" });
    expect(BigInt(second.funded)).to.equal(secondReleased);
    const left = await balanceOf(pools);
    expect(BigInt(pool.claimed) + BigInt(second.claimed) + left).to.equal(
      BigInt(pool.funded) + BigInt(second.funded),
    );
    expect(left).to.be.at.most(10n); // only rounding dust stays
  });

  it("verify tells whether content matches, in which scheme, and how it is registered", async function () {
    const byPath = await kcJson("verify", "examples/river-dataset", DATASET_CID);
    expect(byPath.match).to.deep.equal({ digest: DATASET, scheme: "unixfs" });
    expect(byPath.registered).to.deep.equal([{ digest: DATASET, scheme: "unixfs", owner: A0 }]);
    const manifest = await kcJson("verify", "examples/river-dataset", DATASET_MANIFEST, "--offline");
    expect(manifest).to.deep.include({
      match: { digest: DATASET_MANIFEST, scheme: "manifest" },
      registered: null,
    });
    const wrong = await kc("verify", "examples/river-dataset", SNIPPET);
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr.trim()).to.match(
      new RegExp(`^error: examples/river-dataset does not match ${SNIPPET}: `),
    );
  });

  it("register --version-of keeps the previous contributors, waiting by the chain's clock", async function () {
    // Move the node's clock 15 days ahead of this machine's: a wait by the local clock would last
    // 15 days and time out.
    await provider.send("evm_increaseTime", [15 * 86_400]);
    await provider.send("evm_mine", []);
    const lead = (await provider.getBlock("latest"))!.timestamp - Math.floor(Date.now() / 1000);
    expect(lead).to.be.greaterThan(14 * 86_400);
    const file = join(tmp, "river-v2.csv");
    writeFileSync(file, "year,flow\n2025,13\n");
    const v2 = await kcJson(
      "register",
      "--path",
      file,
      "--kind",
      "dataset",
      "--version-of",
      DATASET,
      // The dataset asks 10% of its derivatives, a new version included.
      "--upstream",
      "10%",
      "--min-upstream",
      "10%",
    );
    expect(v2.contributorsFrom).to.equal("previous-version");
    expect(v2.contributors).to.deep.equal([
      { account: A0, share: "60" },
      { account: A1, share: "40" },
    ]);
    expect(v2.parents).to.deep.equal([DATASET]);
    expect(v2.commit.waited).to.be.within(2, 300);

    // Contributors from a CSV file with a header and percentages; the text report says where they came from.
    const team = join(tmp, "team.csv");
    writeFileSync(team, `# who made it\nname,address,share\nzero,${A0},50%\ntwo,${A2.toLowerCase()},50%\n`);
    const notes = join(tmp, "notes.md");
    writeFileSync(notes, "# notes\n");
    const byFile = await kc("register", "--path", notes, "--kind", "document", "--contributors-file", team);
    expect(byFile.code, byFile.stderr).to.equal(0);
    expect(byFile.stdout).to.match(new RegExp(`contributors:\\s+${A0} 1 \\(50%\\), ${A2} 1 \\(50%\\)\\n`));
    expect(byFile.stdout).to.match(/commit:\s+tx 0x[0-9a-f]{64}, revealed (\d+m )?\d+s later/);
  });

  it("usage and .env mistakes give one line, a JSON object under --json, and exit 1", async function () {
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) => cli.hardhat(args, env);
    const badKey = { PRIVATE_KEY: "0x1234" };
    const keyLine =
      "PRIVATE_KEY in .env is not a private key: expected 0x and 64 hex digits, it has 4 hex digits";
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [
        ["kc", "hash", "README.md", "--contributers", "x"],
        {},
        /^error: kc hash has no flag --contributers; see npx hardhat help kc hash$/,
      ],
      [
        ["kc", "register", "--path", "README.md", "--contributers", "x"],
        {},
        /^error: kc register has no flag --contributers \(did you mean --contributors\?\); see npx hardhat help kc register$/,
      ],
      [
        ["kc", "regster", "--path", "README.md"],
        {},
        /^error: unknown command kc regster \(did you mean register\?\); list them with npx hardhat help kc$/,
      ],
      [["kc", "fund", "--pool"], {}, /^error: --pool needs a value$/],
      [
        ["kc", "hash", "README.md", "--network", "sepolia"],
        {},
        /^error: unknown network sepolia: the networks are hardhat, localhost, remote; for any other chain set RPC_URL \(and a key\) in \.env and use --network remote$/,
      ],
      [
        ["kc", "pool-create", "--token", A0, "--network", "remote"],
        badKey,
        new RegExp(`^error: ${keyLine}$`),
      ],
      [
        ["kc", "show", DATASET, "--network", "remote"],
        { RPC_URL: "localhost:8545" },
        /^error: RPC_URL in \.env must start with http:\/\/ or https:\/\/, not localhost:$/,
      ],
      [
        ["kc", "claim", "--to", "alice.eth", "--network", "remote"],
        {},
        /^error: --to alice\.eth: no ENS on this network \(chain 31337\); give a 0x address instead$/,
      ],
      [
        [
          "kc",
          "register",
          "--path",
          "README.md",
          "--kind",
          "document",
          "--contributors",
          `${A0}:60%,${A1}:30%`,
          "--network",
          "remote",
        ],
        {},
        /^error: shares add up to 90%, not 100%$/,
      ],
      [
        [
          "kc",
          "register",
          "--path",
          "README.md",
          "--kind",
          "document",
          "--contributors",
          `${A0}:100.5%`,
          "--network",
          "remote",
        ],
        {},
        new RegExp(`^error: share of ${A0} is more than 100%: 100\\.5%$`),
      ],
      [
        ["kc", "fund", "--pool", "1", "--amount", "1", "--duration", "soon", "--network", "remote"],
        {},
        /^error: not a duration: soon \(use e\.g\. 90s, 45m, 1\.5h, 3 days, 2w, 1y or plain seconds\)$/,
      ],
    ];
    this.timeout(900_000);
    // --json right after the task name, so that it never stands where a flag's value goes. A few
    // processes at a time: a loaded 2-core machine thrashes with two dozen.
    const runs: Run[] = [];
    for (let i = 0; i < cases.length; i += 3) {
      const batch = cases.slice(i, i + 3);
      runs.push(
        ...(await Promise.all(
          batch.flatMap(([args, env]) => [
            run(args, env),
            run([...args.slice(0, 2), "--json", ...args.slice(2)], env),
          ]),
        )),
      );
    }
    cases.forEach(([args, , pattern], i) => {
      const what = `hardhat ${args.join(" ")}`;
      const [text, json] = [runs[2 * i], runs[2 * i + 1]];
      expect(text.code, `${what}: ${text.stderr}`).to.equal(1);
      expect(text.stdout, what).to.equal("");
      expect(text.stderr.trimEnd().split("\n"), `${what}: ${text.stderr}`).to.have.length(1);
      expect(text.stderr.trimEnd(), what).to.match(pattern);
      expect(json.code, `${what} --json`).to.equal(1);
      expect(json.stderr.trimEnd(), `${what} --json`).to.equal(text.stderr.trimEnd());
      const object = JSON.parse(json.stdout);
      expect(object.error, `${what} --json`).to.equal(text.stderr.trimEnd().replace(/^error: /, ""));
      expect(object.kind, `${what} --json`).to.be.oneOf(["usage", "config", "input"]);
    });

    // A malformed key never breaks a command that needs no account: one warning line, and it works.
    for (const args of [
      ["kc", "hash", "examples/snippet.py", "--json"],
      ["kc", "hash", "examples/snippet.py", "--json", "--network", "remote"],
    ]) {
      const hashed = await run(args, badKey);
      expect(hashed.code, hashed.stderr).to.equal(0);
      expect(JSON.parse(hashed.stdout).digest).to.equal(SNIPPET);
      expect(hashed.stderr.trimEnd().split("\n")).to.deep.equal([
        `warning: ${keyLine}; ignored (${args.includes("remote") ? "this command sends nothing" : "only --network remote uses it"})`,
      ]);
    }
  });

  it("deploy with changed parameters prints Ignition's reasons on one line", async function () {
    const parameters = join(tmp, "changed.json");
    writeFileSync(parameters, JSON.stringify({ KnowledgeRegistry: { minCommitAge: 5, maxCommitAge: 3600 } }));
    // One after the other: both read the same deployment record.
    const text = await kc("deploy", "--token", "--parameters", parameters);
    const json = await kc("deploy", "--token", "--parameters", parameters, "--json");
    const line = new RegExp(
      "^error: The deployment wasn't run because of the following reconciliation errors: " +
        "KnowledgeRegistry#KnowledgeRegistry: Argument at index 0 has been changed.*" +
        `\\(the deployment recorded in ignition/deployments/${deploymentId} was made with other parameters or code: ` +
        "pass --reset to deploy anew, or another --deployment-id\\)$",
    );
    expect(text.code).to.equal(1);
    expect(text.stderr.trimEnd().split("\n"), text.stderr).to.have.length(1);
    expect(text.stderr.trimEnd()).to.match(line);
    expect(json.code).to.equal(1);
    expect(JSON.parse(json.stdout)).to.include({
      kind: "input",
      error: text.stderr.trimEnd().replace(/^error: /, ""),
    });
  });

  it("bad input gives one clear line, a non-zero exit, and sends nothing", async function () {
    const block = await provider.getBlockNumber();
    const nonce = await provider.getTransactionCount(A0);
    const cases: [string[], RegExp][] = [
      [
        ["register", "--path", "examples/snippet.py", "--kind", "code", "--contributors", "0xnotanaddress:5"],
        /^error: contributor is not an address \(expected 0x followed by 40 hex digits\): 0xnotanaddress$/,
      ],
      [
        ["register", "--path", "examples/snippet.py", "--kind", "code", "--contributors", `${A0}:sixty`],
        new RegExp(`^error: share of ${A0} is not a whole number: sixty$`),
      ],
      [
        ["register", "--path", "examples/no-such-file.csv", "--kind", "dataset"],
        /^error: no such file or folder: examples\/no-such-file\.csv$/,
      ],
      [
        ["register", "--path", "examples/river-dataset", "--kind", "dataset"],
        new RegExp(
          `^error: artifact ${DATASET} is already registered \\(owner ${A0}\\); see kc show ${DATASET}$`,
        ),
      ],
      [["fund", "--pool", "99", "--amount", "1"], /^error: no pool #99 \(pools are #1 to #2\)$/],
      [
        ["pool-admit", "--pool", "1", "--artifact", UNREGISTERED, "--weight", "1"],
        /^error: artifact 0xabab.* is not registered$/,
      ],
      [
        ["pool-admit-many", "--pool", "1", "--artifacts", `${DATASET},${SNIPPET}`, "--weights", "1"],
        /^error: --weights has 1 values for 2 artifacts$/,
      ],
      [
        ["register", "--path", "examples/snippet.py", "--kind", "poem"],
        /^error: unknown kind poem \(expected one of/,
      ],
      [["fund", "--pool", "1", "--amount", "1.5.2"], /^error: not an amount: 1\.5\.2/],
      [
        ["register", "--digest", UNREGISTERED, "--kind", "other"],
        /^error: a bare digest does not say what bytes it is the SHA-256 of; add --scheme with one of: raw/,
      ],
      [
        ["register", "--digest", "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR", "--kind", "other"],
        /^error: QmbWq\S+ is a dag-pb CID: its digest is the SHA-256 of an encoded UnixFS root block, not of the file's bytes; a CIDv0 .*add --scheme unixfs/,
      ],
      [
        ["register", "--path", "examples/river-dataset", "--kind", "dataset", "--mode", "car"],
        /^error: unknown mode car: use ipfs or manifest$/,
      ],
    ];
    const runs = await Promise.all(cases.map(([args]) => kc(...args)));
    runs.forEach((run, i) => {
      const what = `kc ${cases[i][0].join(" ")}`;
      expect(run.code, what).to.equal(1);
      expect(run.stdout, what).to.equal("");
      const lines = run.stderr.trimEnd().split("\n");
      expect(lines, `${what}: ${run.stderr}`).to.have.length(1);
      expect(lines[0], what).to.match(cases[i][1]);
    });
    expect(await provider.getBlockNumber()).to.equal(block);
    expect(await provider.getTransactionCount(A0)).to.equal(nonce);
  });

  it("decodes a revert that reaches the node over JSON-RPC", async function () {
    const wallet = new Wallet(A0_KEY, provider);
    const abi = [
      "function register((bytes32 digest, uint8 kind, uint8 scheme, string uri, (address account, uint32 share)[] contributors, bytes32[] parents, uint16 upstreamBps, uint16 minUpstreamBps, bytes32 secret))",
      "error ArtifactExists(bytes32 digest, address owner)",
    ];
    const contract = new Contract(registry, abi, wallet);
    const registration = [DATASET, 0, 0, "", [[A0, 1]], [], 0, 0, "0x" + "00".repeat(32)];
    let err: unknown;
    try {
      await contract.register.staticCall(registration);
    } catch (e) {
      err = e;
    }
    expect(describeError(err, errorInterfaceFrom([abi]))).to.match(
      new RegExp(
        `^reverted: ArtifactExists\\(digest=${DATASET}, owner=${A0}\\) — this content is already registered`,
      ),
    );
  });
});
