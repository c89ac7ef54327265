import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { Contract, type JsonRpcProvider, Wallet, id } from "ethers";

import { Pools, Registry, TX_GAS_CAP, callStep, sendPlan } from "../../src";
import { type CliNode, MNEMONIC, startCliNode } from "./harness";

/**
 * The one write path at scale, on a `hardhat node` (EIP-7825's 16,777,216 gas cap per transaction): 200
 * artifacts registered in a batch, admitted with `kc pool-admit-many`, claimed by their contributor with
 * `kc claim`, each as several transactions that say they were split; and a plan whose later step would
 * revert sends nothing.
 */

const A1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const TOKEN = 10n ** 18n;
const N = 200;

describe("the write path at scale on a hardhat node", function () {
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(600_000);

  let cli: CliNode;
  let provider: JsonRpcProvider;
  let curator: Wallet;
  let registryAddress: string;
  let poolsAddress: string;
  let token: string;
  let poolId: string;
  const digests = Array.from({ length: N }, (_, i) => id(`split-e2e/${i}`));

  const balanceOf = (account: string): Promise<bigint> =>
    new Contract(token, ["function balanceOf(address) view returns (uint256)"], provider).balanceOf(account);

  before(async function () {
    cli = await startCliNode("split");
    provider = cli.provider;
    curator = new Wallet(Wallet.fromPhrase(MNEMONIC).privateKey, provider);
    const parameters = join(cli.tmp, "parameters.json");
    writeFileSync(parameters, JSON.stringify({ KnowledgeRegistry: { minCommitAge: 2, maxCommitAge: 3600 } }));
    const out = await cli.kcJson("deploy", "--token", "--parameters", parameters);
    [registryAddress, poolsAddress, token] = [out.registry, out.pools, out.token.address];
  });

  after(async function () {
    await cli?.stop();
  });

  // 200 one-contributor registrations take about 12.4M gas and 200 admissions about 6.3M, both under the
  // cap; a smaller maxPerTx shows their split. A claim of 200 targets needs 20.2M to execute: the real cap splits it.
  it("registers 200 artifacts in a batch: commitments first, then the registrations in chunks", async function () {
    const registry = new Registry(registryAddress, curator);
    const notes: string[] = [];
    const outcome = await registry.registerMany(
      digests.map((digest) => ({
        digest,
        kind: 0,
        uri: "",
        contributors: [{ account: A1, share: 1n }],
        parents: [],
        upstreamBps: 0,
        minUpstreamBps: 0,
      })),
      {
        maxPerTx: 8_000_000n,
        status: (m) => notes.push(m),
        advanceTime: async (seconds) => {
          await provider.send("evm_increaseTime", [seconds]);
          await provider.send("evm_mine", []);
        },
      },
    );
    expect(outcome.commits!.steps).to.have.length(1);
    expect(outcome.registrations.steps.length).to.be.greaterThan(1);
    expect(outcome.notes).to.deep.equal([
      "split into 2 transactions: 200 registrations need more gas than one transaction may use (8000000); " +
        "each is simulated before any is sent",
    ]);
    for (const step of outcome.registrations.steps) expect(step.gasUsed < 8_000_000n).to.equal(true);
    const registered = outcome.registrations.events.filter((e) => e.name === "ArtifactRegistered");
    expect(registered.map((e) => e.args.digest)).to.deep.equal(digests);
    console.log(
      `      register ${N}: ${outcome.registrations.steps.length} txs, gas ${outcome.registrations.steps.map((s) => s.gasUsed).join(", ")}`,
    );
  });

  it("kc pool-admit-many admits 200 artifacts as several transactions and says so", async function () {
    poolId = (await cli.kcJson("pool-create", "--token", token)).poolId;
    const out = await cli.kcJson(
      "pool-admit-many",
      "--pool",
      poolId,
      "--artifacts",
      digests.join(","),
      "--weights",
      digests.map(() => "1").join(","),
      "--max-per-tx",
      "4000000",
    );
    expect(out.transactions).to.have.length(2);
    expect(out.notes).to.deep.equal([
      "split into 2 transactions: 200 admissions need more gas than one transaction may use (4000000); " +
        "each is simulated before any is sent",
    ]);
    for (const tx of out.transactions) expect(BigInt(tx.gasUsed) < 4_000_000n).to.equal(true);
    expect(out.totalWeight).to.equal(String(N));
    const pools = new Pools(poolsAddress, provider);
    const weights = await Promise.all(digests.map((d) => pools.member(BigInt(poolId), d)));
    expect(weights.every((m) => m.weight === 1n)).to.equal(true);
    console.log(
      `      admit ${N}: ${out.transactions.length} txs, gas ${out.transactions.map((t: { gasUsed: string }) => t.gasUsed).join(", ")}`,
    );
  });

  it("kc claim by a contributor in 200 artifacts pays all of them, as several transactions", async function () {
    await cli.kcJson("fund", "--pool", poolId, "--amount", "200");
    const before = await balanceOf(A1);
    const out = await cli.kcJson("claim", "--from", "1");
    expect(out.transactions.length).to.be.greaterThan(1);
    expect(out.notes[0]).to.match(/^split into \d+ transactions: claims of 200 \(pool, artifact\) targets/);
    for (const tx of out.transactions) expect(BigInt(tx.gasUsed) < TX_GAS_CAP).to.equal(true);
    expect(out.artifacts).to.have.length(N);
    expect(out.pools).to.deep.equal([
      { poolId, token, symbol: "COMM", total: String(200n * TOKEN), totalFormatted: "200 COMM" },
    ]);
    expect((await balanceOf(A1)) - before).to.equal(200n * TOKEN);
    console.log(
      `      claim ${N}: ${out.transactions.length} txs, gas ${out.transactions.map((t: { gasUsed: string }) => t.gasUsed).join(", ")}`,
    );
  });

  it("sends nothing when a later step of a plan would fail", async function () {
    const pools = new Pools(poolsAddress, curator);
    const nonce = await provider.getTransactionCount(curator.address);
    const [eth, tokens, poolCount] = await Promise.all([
      provider.getBalance(curator.address),
      balanceOf(curator.address),
      pools.poolCount(),
    ]);
    const unregistered = id("never registered");
    let caught: Error | undefined;
    await sendPlan(
      {
        steps: [
          callStep(pools.contract, "createPool", [token, curator.address, 0], "create a pool"),
          callStep(
            pools.contract,
            "admit",
            [BigInt(poolId), unregistered, 1],
            "admit an unregistered artifact",
          ),
        ],
        notes: [],
      },
      curator,
    ).catch((e) => (caught = e));
    expect(caught?.message).to.equal(
      `step 2/2 (admit an unregistered artifact) would fail, nothing was sent: reverted: ` +
        `ArtifactNotRegistered(artifact=${unregistered}) — register the artifact before admitting it`,
    );
    expect(await provider.getTransactionCount(curator.address)).to.equal(nonce);
    expect(await provider.getBalance(curator.address)).to.equal(eth);
    expect(await balanceOf(curator.address)).to.equal(tokens);
    expect(await pools.poolCount()).to.equal(poolCount);
  });
});
