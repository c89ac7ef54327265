import { join } from "node:path";
import { writeFileSync } from "node:fs";

import { expect } from "chai";
import { type JsonRpcProvider, ZeroAddress } from "ethers";

import {
  type KnowledgeRegistry,
  KnowledgeRegistry__factory,
  RewardPools__factory,
} from "../../typechain-types";

const poolsInterface = RewardPools__factory.createInterface();
import { type CliNode, startCliNode } from "./harness";
import { type History, scriptedHistory } from "./history";

/**
 * `kc approve` / `kc approve-all` (the registry's ERC-721 approvals) and `kc claim --sign-only`'s report,
 * run as a user runs them against a `hardhat node`. Each write is checked by its exact events; each failure
 * prints one line, exits 1 and mines no block.
 */

const A0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const A1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const A2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const A3 = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const A4 = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";

describe("kc approve, approve-all and claim --sign-only, end to end on a hardhat node", function () {
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(600_000);

  let cli: CliNode;
  let provider: JsonRpcProvider;
  let registry: KnowledgeRegistry;
  let history: History;

  /** The registry events of transaction `hash`, by name and args. */
  async function eventsOf(hash: string) {
    const receipt = await provider.getTransactionReceipt(hash);
    return receipt!.logs.map((log) => {
      const parsed = registry.interface.parseLog(log)!;
      return [parsed.name, ...parsed.args.toArray()];
    });
  }

  async function failures(cases: [string[], RegExp][]): Promise<void> {
    const block = await provider.getBlockNumber();
    const runs = await Promise.all(cases.map(([args]) => cli.kc(...args)));
    runs.forEach((run, i) => {
      const what = `kc ${cases[i][0].join(" ")}`;
      expect(run.code, `${what}: ${run.stderr}`).to.equal(1);
      expect(run.stdout, what).to.equal("");
      const lines = run.stderr.trimEnd().split("\n");
      expect(lines, `${what}: ${run.stderr}`).to.have.length(1);
      expect(lines[0], what).to.match(cases[i][1]);
    });
    expect(await provider.getBlockNumber(), "a failure mined a block").to.equal(block);
  }

  before(async function () {
    cli = await startCliNode("approve");
    provider = cli.provider;
    const parameters = join(cli.tmp, "parameters.json");
    writeFileSync(parameters, JSON.stringify({ KnowledgeRegistry: { minCommitAge: 0 } }));
    const out = await cli.kcJson("deploy", "--token", "--parameters", parameters);
    registry = KnowledgeRegistry__factory.connect(out.registry, provider);
    history = await scriptedHistory(provider, {
      registry: out.registry,
      pools: out.pools,
      token: out.token.address,
    });
  });

  after(async function () {
    await cli?.stop();
  });

  describe("approve, approve-all", function () {
    it("approve lets one account move one artifact; an operator may approve; revoke ends it", async function () {
      const digest = history.digests[0];
      const id = BigInt(digest);
      expect(await registry.ownerOf(id)).to.equal(A0);

      const one = await cli.kcJson("approve", "--digest", digest, "--to", A3);
      expect(one).to.include({ digest, owner: A0, approved: A3 });
      expect(await eventsOf(one.txHash)).to.deep.equal([["Approval", A0, A3, id]]);
      expect(await registry.getApproved(id)).to.equal(A3);

      const all = await cli.kcJson("approve-all", "--operator", A4);
      expect(all).to.include({ owner: A0, operator: A4, approved: true });
      expect(await eventsOf(all.txHash)).to.deep.equal([["ApprovalForAll", A0, A4, true]]);
      expect(await registry.isApprovedForAll(A0, A4)).to.equal(true);

      // The operator (account 4) approves someone else for the owner's artifact.
      const byOperator = await cli.kcJson("approve", "--digest", digest, "--to", A2, "--from", "4");
      expect(await eventsOf(byOperator.txHash)).to.deep.equal([["Approval", A0, A2, id]]);
      expect(await registry.getApproved(id)).to.equal(A2);

      const cleared = await cli.kcJson("approve", "--digest", digest, "--to", ZeroAddress);
      expect(await eventsOf(cleared.txHash)).to.deep.equal([["Approval", A0, ZeroAddress, id]]);
      expect(await registry.getApproved(id)).to.equal(ZeroAddress);

      const revoked = await cli.kcJson("approve-all", "--operator", A4, "--revoke");
      expect(await eventsOf(revoked.txHash)).to.deep.equal([["ApprovalForAll", A0, A4, false]]);
      expect(await registry.isApprovedForAll(A0, A4)).to.equal(false);
      expect(await registry.ownerOf(id), "approvals never move the artifact").to.equal(A0);
    });

    it("--calldata prints the call, simulated as the owner, and sends nothing", async function () {
      const digest = history.digests[0];
      const block = await provider.getBlockNumber();
      const one = await cli.kcJson("approve", "--digest", digest, "--to", A3, "--calldata");
      expect(one).to.deep.equal({
        from: A0,
        calls: [
          {
            to: await registry.getAddress(),
            value: "0",
            data: registry.interface.encodeFunctionData("approve", [A3, BigInt(digest)]),
          },
        ],
      });
      const all = await cli.kcJson("approve-all", "--operator", A4, "--owner", A1, "--calldata");
      expect(all.from).to.equal(A1);
      expect(all.calls[0].data).to.equal(
        registry.interface.encodeFunctionData("setApprovalForAll", [A4, true]),
      );
      expect(await provider.getBlockNumber()).to.equal(block);
      expect(await registry.getApproved(BigInt(digest))).to.equal(ZeroAddress);
    });

    it("each refuses in one line and sends nothing", async function () {
      const digest = history.digests[0];
      await failures([
        [
          ["approve", "--digest", digest, "--to", A3, "--from", "1"],
          /^error: only the owner of 0x[0-9a-f]{64} \(0xf39F.*\) or an operator it approved may approve, not 0x7099.*; use --from$/,
        ],
        [
          ["approve", "--digest", "0x" + "ee".repeat(32), "--to", A3],
          /^error: artifact 0x(ee){32} is not registered$/,
        ],
        [
          ["approve", "--digest", digest, "--to", A3, "--calldata", "--safe"],
          /^error: give --calldata or --safe, not both$/,
        ],
        [["approve-all", "--operator", ZeroAddress], /^error: --operator must not be the zero address$/],
        [["approve-all", "--operator", A4, "--owner", A1], /^error: --owner goes with --calldata or --safe$/],
      ]);
    });
  });
  describe("claim --sign-only", function () {
    it("says what the signature pays if relayed now, and warns when settling first would raise it", async function () {
      const out = join(cli.tmp, "claim.json");
      const block = await provider.getBlockNumber();
      const run = await cli.kc("claim", "--pool", "1", "--sign-only", "--from", "1", "--out", out, "--json");
      expect(run.code, run.stderr).to.equal(0);
      expect(await provider.getBlockNumber(), "signing mined a block").to.equal(block);
      const signed = JSON.parse(run.stdout);
      const pays = BigInt(signed.pays);
      expect(pays).to.equal(BigInt(signed.message.maxAmount));
      expect(BigInt(signed.afterSettle)).to.be.greaterThan(pays);
      const warnings = run.stderr.split("\n").filter((l) => l.startsWith("warning:"));
      expect(warnings).to.have.length(1);
      const settle = warnings[0].match(
        /^warning: settling (\d+) derivative\(s\) first raises what is claimable to [\d.]+ COMM: run npx hardhat kc (settle --pool 1 --artifacts (?:0x[0-9a-f]{64},?)+ --levels 1) --from 1 --network remote, then sign again$/,
      );
      expect(settle, warnings[0]).to.not.equal(null);

      // A relayer (account 3) sends it: it pays exactly what sign-only said.
      const relayed = await cli.kcJson("relay", out, "--from", "3");
      const receipt = await provider.getTransactionReceipt(relayed.txHash);
      const paid = receipt!.logs
        .map((l) => poolsInterface.parseLog(l))
        .filter((e) => e?.name === "RewardsClaimed")
        .reduce((sum, e) => sum + (e!.args.amount as bigint), 0n);
      expect(paid).to.equal(pays);

      // The command the warning names runs as printed.
      const settled = await cli.kc(...settle![2].split(" "), "--from", "1");
      expect(settled.code, settled.stderr).to.equal(0);
    });
  });
});
