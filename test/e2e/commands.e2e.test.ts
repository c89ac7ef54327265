import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { Contract, JsonRpcProvider, ZeroAddress } from "ethers";

import { safeBatchChecksum } from "../../src/calldata";
import {
  type KnowledgeRegistry,
  KnowledgeRegistry__factory,
  type RewardPools,
  RewardPools__factory,
  type ScoredPrograms,
  ScoredPrograms__factory,
} from "../../typechain-types";
import { type CliNode, ROOT, startCliNode } from "./harness";

/**
 * The commands added for every user action of the contracts: artifact upkeep (move-slot, set-uri, retract,
 * transfer), batch registration, signed requests and their relay, nonce invalidation, role handovers and the
 * --calldata / --safe output of curator actions. Each runs as a user runs it (a `kc` process against a
 * `hardhat node`), and the chain is checked afterwards; each has a failure that prints one line, exits 1 and
 * sends nothing.
 */

// The first accounts of the harness mnemonic (hardhat node's defaults).
const A0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const A1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const A2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const A3 = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const A4 = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const A5 = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const D1 = "0x" + "d1".repeat(32);
const D2 = "0x" + "d2".repeat(32);
const D3 = "0x" + "d3".repeat(32);
const D4 = "0x" + "d4".repeat(32);
const D5 = "0x" + "d5".repeat(32);
const D6 = "0x" + "d6".repeat(32);
const TOKEN = 10n ** 18n;

describe("kc commands for every user action, end to end on a hardhat node", function () {
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(600_000);

  let cli: CliNode;
  let provider: JsonRpcProvider;
  let tmp: string;
  let registry: KnowledgeRegistry;
  let pools: RewardPools;
  let programs: ScoredPrograms;
  let token: string;

  const kc = (...args: string[]) => cli.kc(...args);
  const kcJson = (...args: string[]) => cli.kcJson(...args);

  const balanceOf = (account: string): Promise<bigint> =>
    new Contract(token, ["function balanceOf(address) view returns (uint256)"], provider).balanceOf(account);

  /** Runs each case at once; each must print one error line matching its pattern, and no block is mined. */
  async function failures(cases: [string[], RegExp][]): Promise<void> {
    const block = await provider.getBlockNumber();
    const runs = await Promise.all(cases.map(([args]) => kc(...args)));
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
    cli = await startCliNode("commands");
    ({ provider, tmp } = cli);
    const parameters = join(tmp, "parameters.json");
    writeFileSync(parameters, JSON.stringify({ KnowledgeRegistry: { minCommitAge: 2, maxCommitAge: 3600 } }));
    const out = await kcJson("deploy", "--token", "--parameters", parameters);
    registry = KnowledgeRegistry__factory.connect(out.registry, provider);
    pools = RewardPools__factory.connect(out.pools, provider);
    const record = join(ROOT, "ignition", "deployments", cli.deploymentId, "deployed_addresses.json");
    const addresses = JSON.parse(readFileSync(record, "utf8")) as Record<string, string>;
    programs = ScoredPrograms__factory.connect(addresses["ScoredPrograms#ScoredPrograms"], provider);
    token = out.token.address;
  });

  after(async function () {
    await cli?.stop();
  });

  describe("register-batch", function () {
    it("commits every row, then registers them in transactions split under --max-per-tx", async function () {
      const csv = join(tmp, "artifacts.csv");
      writeFileSync(
        csv,
        [
          "digest,scheme,kind,uri,contributors,parents,upstream,min_upstream",
          `${D1},raw,dataset,ipfs://d1,"${A0}:60,${A1}:40",,,`,
          `${D3},raw,prompt,ipfs://d3,${A2}:3;${A0}:1,,,`,
        ].join("\n"),
      );
      const out = await kcJson("register-batch", "--file", csv, "--max-per-tx", "200000");
      expect(out.digests).to.deep.equal([D1, D3]);
      expect(out.commitTxs).to.have.length(1);
      expect(out.registerTxs).to.have.length(2);
      expect(out.registerTxs.map((t: any) => t.registered)).to.deep.equal([1, 1]);
      expect(out.notes.join("\n")).to.match(/split into 2 transactions/);
      for (const t of [...out.commitTxs, ...out.registerTxs])
        expect(BigInt(t.gasUsed)).to.be.at.most(200_000n);

      // A parent registered before the batch: lineage and upstream as in kc register.
      const child = join(tmp, "child.csv");
      writeFileSync(
        child,
        `digest,scheme,kind,contributors,parents,upstream\n${D2},raw,code,${A0}:1,${D1},10%\n`,
      );
      const second = await kcJson("register-batch", "--file", child);
      expect(second.digests).to.deep.equal([D2]);
      expect(second.registerTxs.map((t: any) => t.registered)).to.deep.equal([1]);

      const registered = await registry.queryFilter(registry.filters.ArtifactRegistered());
      expect(registered.map((e) => [e.args.digest, e.args.owner])).to.deep.equal([
        [D1, A0],
        [D3, A0],
        [D2, A0],
      ]);
      expect(registered[0].args.contributors.map((c) => [c.account, c.share])).to.deep.equal([
        [A0, 60n],
        [A1, 40n],
      ]);
      expect(await registry.parentsOf(D2)).to.deep.equal([D1]);
      expect((await registry.artifact(D2)).upstreamBps).to.equal(1000n);
      expect((await registry.queryFilter(registry.filters.Committed())).length).to.equal(3);
    });

    it("reads JSON Lines too", async function () {
      const jsonl = join(tmp, "more.jsonl");
      writeFileSync(
        jsonl,
        `${JSON.stringify({ digest: D6, scheme: "raw", kind: "model", contributors: [`${A0}:1`] })}\n`,
      );
      const out = await kcJson("register-batch", "--file", jsonl);
      expect(out.digests).to.deep.equal([D6]);
      expect(out.registerTxs).to.have.length(1);
      expect((await registry.artifact(D6)).owner).to.equal(A0);
    });

    it("a row that cannot register sends nothing, not even the commits", async function () {
      const csv = join(tmp, "bad.csv");
      writeFileSync(csv, `digest,scheme,kind\n${D4},raw,code\n${D1},raw,code\n`);
      const unknown = join(tmp, "unknown.csv");
      writeFileSync(unknown, `digest,scheme,kind,colour\n${D4},raw,code,red\n`);
      const family = join(tmp, "family.csv");
      writeFileSync(family, `digest,scheme,kind,parents\n${D4},raw,code,\n${D5},raw,code,${D4}\n`);
      await failures([
        [
          ["register-batch", "--file", family],
          new RegExp(`^error: parent ${D4} is in the same batch; register parents in an earlier batch`),
        ],
        [
          ["register-batch", "--file", csv, "--max-per-tx", "lots"],
          /^error: --max-per-tx must be a whole number/,
        ],
        [
          ["register-batch", "--file", csv],
          new RegExp(`^error: artifact ${D1} is already registered \\(owner ${A0}\\)`),
        ],
        [["register-batch", "--file", unknown], /^error: .*unknown\.csv:2: unknown column colour/],
      ]);
      expect(await registry.exists(D4)).to.equal(false);
    });
  });

  describe("move-slot, set-uri, retract, transfer", function () {
    it("move-slot hands the sender's slot, share and all, to a new account", async function () {
      const out = await kcJson("move-slot", "--artifact", D1, "--to", A3, "--from", "1");
      expect(out).to.include({ digest: D1, slot: "1", from: A1, to: A3, share: "40" });
      const [moved] = await registry.queryFilter(registry.filters.ContributorSlotMoved(D1));
      expect([moved.args.slot, moved.args.from, moved.args.to]).to.deep.equal([1n, A1, A3]);
      expect(await registry.slotHolder(D1, 1)).to.deep.equal([A3, 40n]);
      expect((await registry.slotOf(D1, A1)).found).to.equal(false);
    });

    it("set-uri, retract and transfer change what the owner may change", async function () {
      const uri = await kcJson("set-uri", "--artifact", D1, "--uri", "ipfs://d1-v2");
      // The URI given at registration is in the event only; tokenURI fell back to the default before.
      expect(uri).to.include({ uri: "ipfs://d1-v2", previous: `knowledge-commons:artifact/${D1}` });
      expect(await registry.tokenURI(BigInt(D1))).to.equal("ipfs://d1-v2");
      const [updated] = await registry.queryFilter(registry.filters.URIUpdated(D1));
      expect(updated.args.uri).to.equal("ipfs://d1-v2");

      const retracted = await kcJson("retract", "--artifact", D3, "--reason", "duplicate of another prompt");
      expect(retracted.reason).to.equal("duplicate of another prompt");
      expect((await registry.artifact(D3)).retracted).to.equal(true);
      const [event] = await registry.queryFilter(registry.filters.ArtifactRetracted(D3));
      expect(event.args.reason).to.equal("duplicate of another prompt");

      const moved = await kcJson("transfer", "--artifact", D6, "--to", A2);
      expect(moved).to.include({ from: A0, to: A2 });
      expect(await registry.ownerOf(BigInt(D6))).to.equal(A2);
      expect(await registry.balanceOf(A2)).to.equal(1n);
    });

    it("each refuses in one line and sends nothing", async function () {
      await failures([
        [
          ["move-slot", "--artifact", D1, "--to", A4, "--from", "2"],
          new RegExp(`^error: ${A2} holds no contributor slot of ${D1}; use --from$`),
        ],
        [
          ["move-slot", "--artifact", D1, "--to", A0, "--from", "3"],
          /^error: .*AlreadyContributor\(.*\) — that account already holds a slot of this artifact$/,
        ],
        [
          ["set-uri", "--artifact", D1, "--uri", "x", "--from", "1"],
          /^error: .*NotArtifactOwner\(.*\) — only the artifact's owner may do this; use --from with the owner's account$/,
        ],
        [
          ["retract", "--artifact", D3, "--reason", "again"],
          new RegExp(`^error: artifact ${D3} is already retracted$`),
        ],
        [["retract", "--artifact", D2], /^error: missing --reason/],
        [
          ["transfer", "--artifact", D6, "--to", A3],
          new RegExp(`^error: only the owner of ${D6} \\(${A2}\\) may transfer it, not ${A0}; use --from$`),
        ],
      ]);
      expect(await registry.tokenURI(BigInt(D1))).to.equal("ipfs://d1-v2");
      expect(await registry.ownerOf(BigInt(D6))).to.equal(A2);
    });
  });

  describe("signed requests and relay", function () {
    it("register --sign-only writes a request; relay commits, reveals and pays the gas", async function () {
      const req = join(tmp, "register.json");
      const signed = await kcJson(
        "register",
        "--digest",
        D5,
        "--scheme",
        "raw",
        "--kind",
        "agent",
        "--sign-only",
        "--out",
        req,
        "--from",
        "4",
      );
      expect(signed).to.include({ function: "registerBySig", signer: A4, out: req });
      expect(await provider.getTransactionCount(A4)).to.equal(0);
      const before5 = await provider.getTransactionCount(A5);

      const out = await kcJson("relay", req, "--from", "5");
      expect(out).to.include({ function: "registerBySig", signer: A4, relayer: A5, digest: D5, owner: A4 });
      expect(out.commitTxHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(await registry.ownerOf(BigInt(D5))).to.equal(A4);
      expect(await registry.nonces(A4)).to.equal(1n);
      expect(await provider.getTransactionCount(A4)).to.equal(0);
      expect(await provider.getTransactionCount(A5)).to.equal(before5 + 2); // commit + registerBySig
    });

    it("claim --sign-only and relay pay the signer's slots to it, at most what it signed", async function () {
      const created = await kcJson("pool-create", "--token", token);
      expect(created.poolId).to.equal("1");
      await kcJson("pool-admit", "--pool", "1", "--artifact", D1, "--weight", "1");
      await kcJson("fund", "--pool", "1", "--amount", "100");
      const req = join(tmp, "claim.json");
      const signed = await kcJson("claim", "--pool", "1", "--sign-only", "--out", req, "--from", "3");
      expect(signed.message).to.include({
        poolId: "1",
        claimant: A3,
        recipient: A3,
        maxAmount: (40n * TOKEN).toString(),
        nonce: "0",
      });
      const [b3, b5] = [await balanceOf(A3), await balanceOf(A5)];

      const out = await kcJson("relay", req, "--from", "5");
      expect(out).to.include({
        function: "claimBySig",
        signer: A3,
        relayer: A5,
        total: (40n * TOKEN).toString(),
      });
      expect(await balanceOf(A3)).to.equal(b3 + 40n * TOKEN);
      expect(await balanceOf(A5)).to.equal(b5);
      const [claimed] = await pools.queryFilter(pools.filters.RewardsClaimed(1n, D1, A3));
      expect([claimed.args.slot, claimed.args.recipient, claimed.args.amount]).to.deep.equal([
        1n,
        A3,
        40n * TOKEN,
      ]);
      expect(await pools.nonces(A3)).to.equal(1n);
    });

    it("nonces-invalidate voids an unused signed claim", async function () {
      const req = join(tmp, "claim0.json");
      await kcJson("claim", "--pool", "1", "--sign-only", "--out", req, "--max", "60");
      const out = await kcJson("nonces-invalidate");
      expect(out).to.include({ account: A0, previous: "0", nonce: "1" });
      const [event] = await pools.queryFilter(pools.filters.NoncesInvalidated(A0));
      expect(event.args.newNonce).to.equal(1n);
      const tampered = join(tmp, "tampered.json");
      const request = JSON.parse(readFileSync(join(tmp, "register.json"), "utf8"));
      request.message.uri = "ipfs://not-what-was-signed";
      writeFileSync(tampered, JSON.stringify(request));
      const b0 = await balanceOf(A0);
      await failures([
        [
          ["relay", req, "--from", "5"],
          /^error: .*InvalidNonce\(.*current=1\) — the signed claim's nonce is stale; the current nonce is 1$/,
        ],
        [
          ["relay", join(tmp, "claim.json"), "--from", "5"],
          /^error: .*InvalidNonce\(.*\) — the signed claim's nonce is stale/,
        ],
        [
          ["relay", tampered, "--from", "5"],
          new RegExp(
            `^error: the signature does not belong to ${A4}: the request was changed after signing$`,
          ),
        ],
        [["relay", join(tmp, "missing.json")], /^error: cannot read .*missing\.json: ENOENT$/],
        [
          ["nonces-invalidate", "--nonce", "1"],
          new RegExp(`^error: the nonce of ${A0} is already 1; give a larger --nonce$`),
        ],
        [
          [
            "register",
            "--digest",
            D4,
            "--scheme",
            "raw",
            "--kind",
            "code",
            "--version-of",
            D1,
            "--sign-only",
          ],
          /^error: registerBySig registers no versions/,
        ],
        [["claim", "--sign-only"], /^error: a signed claim is for one pool: add --pool$/],
      ]);
      expect(await balanceOf(A0)).to.equal(b0);
    });
  });

  describe("curator and program roles, --calldata and --safe", function () {
    it("--safe and --calldata print what to propose and send nothing", async function () {
      const block = await provider.getBlockNumber();
      const safe = await kc("pool-propose-curator", "--pool", "1", "--to", A2, "--safe");
      expect(safe.code, safe.stderr).to.equal(0);
      const batch = JSON.parse(safe.stdout);
      expect(batch).to.include({ version: "1.0", chainId: "31337" });
      expect(batch.meta).to.include({ createdFromSafeAddress: A0 });
      expect(batch.meta.checksum).to.equal(safeBatchChecksum(batch));
      expect(batch.transactions).to.deep.equal([
        {
          to: await pools.getAddress(),
          value: "0",
          data: pools.interface.encodeFunctionData("proposeCurator", [1n, A2]),
        },
      ]);

      const admit = await kc("pool-admit", "--pool", "1", "--artifact", D2, "--weight", "5", "--calldata");
      expect(admit.code, admit.stderr).to.equal(0);
      expect(JSON.parse(admit.stdout)).to.deep.equal({
        to: await pools.getAddress(),
        value: "0",
        data: pools.interface.encodeFunctionData("admit", [1n, D2, 5]),
      });
      const many = await kcJson(
        "pool-admit-many",
        "--pool",
        "1",
        "--artifacts",
        `${D2},${D5}`,
        "--weights",
        "2,3",
        "--calldata",
      );
      expect(many.from).to.equal(A0);
      expect(
        pools.interface.decodeFunctionData("admitMany", many.calls[0].data).toArray().map(String),
      ).to.deep.equal(["1", `${D2},${D5}`, "2,3"]);
      const weight = await kcJson("pool-weight", "--pool", "1", "--artifact", D1, "--weight", "7", "--safe");
      expect(weight.transactions[0].data).to.equal(
        pools.interface.encodeFunctionData("setWeight", [1n, D1, 7]),
      );
      const remove = await kcJson("pool-remove", "--pool", "1", "--artifact", D1, "--calldata");
      expect(remove.calls[0].data).to.equal(pools.interface.encodeFunctionData("remove", [1n, D1]));

      expect(await provider.getBlockNumber()).to.equal(block);
      expect((await pools.pool(1n)).pendingCurator).to.equal(ZeroAddress);
      expect((await pools.member(1n, D1)).weight).to.equal(1n);
    });

    it("pool-propose-curator and pool-accept-curator hand a pool over", async function () {
      const proposed = await kcJson("pool-propose-curator", "--pool", "1", "--to", A2);
      expect(proposed).to.include({ poolId: "1", role: "curator", previous: A0, proposed: A2 });
      expect((await pools.pool(1n)).pendingCurator).to.equal(A2);
      await failures([
        [
          ["pool-accept-curator", "--pool", "1", "--from", "3"],
          new RegExp(
            `^error: only ${A2} \\(the proposed curator of pool #1\\) may do this, not ${A3}; use --from, or --safe / --calldata to propose it$`,
          ),
        ],
        [
          ["pool-propose-curator", "--pool", "1", "--to", A3, "--from", "1"],
          new RegExp(`^error: only ${A0} \\(the curator of pool #1\\) may do this, not ${A1}`),
        ],
        [
          ["pool-admit", "--pool", "1", "--artifact", D3, "--weight", "1", "--calldata"],
          new RegExp(`^error: artifact ${D3} was retracted by its owner and cannot be admitted$`),
        ],
        [
          ["pool-cancel-change", "--pool", "1", "--change", "1", "--safe"],
          /^error: .*UnknownChange\(.*\) — no pending change has this id/,
        ],
        [
          ["pool-admit", "--pool", "1", "--artifact", D2, "--weight", "1", "--calldata", "--safe"],
          /^error: give --calldata or --safe, not both$/,
        ],
        [["pool-accept-curator", "--pool", "2"], /^error: no pool #2 \(only pool #1 exists\)$/],
      ]);
      const accepted = await kcJson("pool-accept-curator", "--pool", "1", "--from", "2");
      expect(accepted).to.include({ poolId: "1", role: "curator", previous: A0, curator: A2 });
      const [event] = await pools.queryFilter(pools.filters.CuratorTransferred(1n));
      expect([event.args.previous, event.args.curator]).to.deep.equal([A0, A2]);
      expect((await pools.pool(1n)).curator).to.equal(A2);
      expect((await pools.pool(1n)).pendingCurator).to.equal(ZeroAddress);
    });

    it("program-propose-scorer / -guardian and their accept hand a program's roles over", async function () {
      await kcJson("program-create", "--token", token);
      const safe = await kcJson("program-propose-guardian", "--program", "1", "--to", A4, "--safe");
      expect(safe.transactions[0].data).to.equal(
        programs.interface.encodeFunctionData("proposeGuardian", [1n, A4]),
      );
      await kcJson("program-propose-scorer", "--program", "1", "--to", A3);
      await failures([
        [
          ["program-accept-scorer", "--program", "1", "--from", "4"],
          new RegExp(`^error: only ${A3} \\(the proposed scorer of program #1\\) may do this`),
        ],
        [
          ["program-accept-guardian", "--program", "1"],
          /^error: nobody is proposed as guardian of program #1; its guardian proposes with kc program-propose-guardian$/,
        ],
        [["epoch-veto", "--program", "1", "--safe"], /^error: program #1 has no pending root to veto$/],
      ]);
      const accepted = await kcJson("program-accept-scorer", "--program", "1", "--from", "3");
      expect(accepted).to.include({ programId: "1", previous: A0, scorer: A3 });
      const view = await programs.program(1n);
      expect([view.scorer, view.pendingScorer, view.guardian]).to.deep.equal([A3, ZeroAddress, A0]);
    });
  });
});
