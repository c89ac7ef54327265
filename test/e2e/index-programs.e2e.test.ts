import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { NonceManager, parseUnits } from "ethers";

import { Programs } from "../../src/clients/programs";
import { postedRoots } from "../../src/epochs/chain";
import { findProof } from "../../src/epochs/epoch";
import { ScoredPrograms__factory } from "../../typechain-types/factories/contracts/ScoredPrograms__factory";
import { type CliNode, freePort, startCliNode } from "./harness";
import { type History, scriptedHistory, wallet } from "./history";
import { type RunningIndex, deployForIndex, startIndex } from "./indexHarness";
import { buildAndPost, fundedProgram, travel } from "./programs";

/**
 * The index's scored programs against a `hardhat node`: programs, posted epochs and what each account can claim,
 * with proofs from epoch files found in KC_EPOCHS_DIR or at the posted allocation URI, equal the contract's views
 * (`program`, `claimed`, `claimable` with the served proof); a file that does not hash to the posted allocation
 * hash is never served from.
 */
describe("index e2e: scored programs equal the ScoredPrograms views", function () {
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(600_000);
  let cli: CliNode;
  let index: RunningIndex;
  let addrs: Awaited<ReturnType<typeof deployForIndex>>;
  let history: History;
  let epochsDir: string;
  const ids: bigint[] = [];

  const get = async (path: string) => {
    const res = await fetch(`${index.url}${path}`);
    expect(res.status, `${path}: ${res.status}`).to.equal(200);
    return (await res.json()) as any;
  };

  before(async function () {
    cli = await startCliNode("index-programs");
    const indexPort = await freePort();
    addrs = await deployForIndex(cli, indexPort);
    expect(await cli.provider.getCode(addrs.programs)).not.to.equal("0x");
    const rpcUrl = (cli.provider as any)._getConnection().url as string;
    epochsDir = join(cli.tmp, "epochs");
    index = await startIndex({ rpcUrl, ...addrs, epochsDir, port: indexPort });
    history = await scriptedHistory(cli.provider, addrs, 0);
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(index.log().split("\n").slice(-40).join("\n"));
  });

  after(async function () {
    await index?.stop();
    await cli?.stop();
  });

  it("indexes three programs: files from KC_EPOCHS_DIR, from a file:// URI, and a tampered one", async function () {
    const [A, B, C] = history.digests;
    const usage: [string, number][] = [
      [A!, 300],
      [B!, 100],
      [C!, 50],
    ];
    // 1: files where `kc epoch-build` writes them, under KC_EPOCHS_DIR; no URI posted.
    ids.push(await fundedProgram(cli.provider, addrs));
    await buildAndPost(cli, ids[0]!, usage, join(epochsDir, "chain-31337", `program-${ids[0]}`));
    // 2: published elsewhere, found through the posted allocation URI (a folder).
    ids.push(await fundedProgram(cli.provider, addrs, { amount: "250" }));
    const published = join(cli.tmp, "published", `program-${ids[1]}`);
    await buildAndPost(cli, ids[1]!, usage, published, `file://${published}/epoch-1`);
    // 3: the URI names a file whose content is not what was posted.
    ids.push(await fundedProgram(cli.provider, addrs, { amount: "10" }));
    const built3 = join(cli.tmp, "unpublished", `program-${ids[2]}`);
    const tampered = join(cli.tmp, "tampered.csv");
    await buildAndPost(cli, ids[2]!, usage, built3, `file://${tampered}`);
    copyFileSync(join(built3, "epoch-1", "allocation.csv"), tampered);
    const lines = readFileSync(tampered, "utf8").split("\n");
    lines[1] = lines[1]!.replace(/,(\d)/, ",9$1");
    writeFileSync(tampered, lines.join("\n"));

    // Pending: nothing claimable yet, but the index says what is coming and when.
    let { block } = await travel(cli.provider, 1);
    await index.reached(block);
    const alice = history.accounts[1]!;
    const pending = await get(`/kc/programs/earnings/${alice}`);
    const p1 = pending.earnings.find((e: any) => e.programId === `${ids[0]}`);
    const leaf1 = await findProof(join(epochsDir, "chain-31337", `program-${ids[0]}`, "epoch-1"), alice);
    expect(p1).to.deep.include({ claimable: "0", claimed: "0" });
    expect(p1.pending.cumulative).to.equal(leaf1!.cumulative.toString());

    ({ block } = await travel(cli.provider, 3601));
    await index.reached(block);
  });

  it("serves every program as ScoredPrograms.program, and epochs with the SDK's statuses", async function () {
    const programs = ScoredPrograms__factory.connect(addrs.programs, cli.provider);
    const list = await get("/kc/programs");
    expect(list.indexed).to.equal(true);
    expect(list.programs.map((p: any) => p.programId)).to.deep.equal(ids.map(String));
    for (const id of ids) {
      const view = await programs.program(id);
      const served = await get(`/kc/programs/${id}`);
      const expected = Object.fromEntries(
        Object.entries((view as any).toObject() as Record<string, unknown>).map(([k, v]) => [
          k,
          typeof v === "bigint" ? v.toString() : v,
        ]),
      );
      expect(served.program.view).to.deep.equal(expected);
      expect(list.programs.find((p: any) => p.programId === `${id}`).view).to.deep.equal(expected);
      const roots = await postedRoots(programs, id, 0);
      expect(served.epochs.map((e: any) => [e.epoch, e.root, e.status])).to.deep.equal(
        roots.map((r) => [`${r.epoch}`, r.root, r.status]),
      );
    }
    expect((await get(`/kc/programs/${ids[0]}`)).activeFiles).to.include({ verified: true, accounts: 4 });
    const third = (await get(`/kc/programs/${ids[2]}`)).activeFiles;
    expect(third.verified).to.equal(false);
    expect(third.reason).to.match(/tampered\.csv: SHA-256 0x[0-9a-f]{64} is not the posted allocation hash/);
  });

  it("serves per account exactly what `claimable` with the served proof pays, before and after claims", async function () {
    const programs = ScoredPrograms__factory.connect(addrs.programs, cli.provider);
    const check = async () => {
      let paying = 0;
      for (const account of history.accounts) {
        const served = (await get(`/kc/programs/earnings/${account}`)).earnings as any[];
        for (const id of ids) {
          const e = served.find((x) => x.programId === `${id}`);
          const claimed = await programs.claimed(id, account);
          if (id === ids[2]) {
            // Never a proof from a file that does not hash to the posted allocation hash.
            if (e) expect(e).to.include({ claimable: null }).and.not.have.property("proof");
            continue;
          }
          if (!e) {
            expect(claimed).to.equal(0n);
            continue;
          }
          expect(e.claimed).to.equal(claimed.toString());
          const onChain = await programs.claimable(id, account, e.cumulative, e.proof);
          expect(e.claimable, `${account} in program ${id}`).to.equal(onChain.toString());
          if (onChain > 0n) paying++;
        }
      }
      return paying;
    };
    expect(await check()).to.be.greaterThan(3);

    // Alice claims with the served proof; Bob has his claimed to Carol: the index follows both.
    const [alice, bob, carol] = [1, 2, 3].map((i) => wallet(cli.provider, i));
    const served = async (who: string, id: bigint) =>
      ((await get(`/kc/programs/earnings/${who}`)).earnings as any[]).find((x) => x.programId === `${id}`);
    const a = await served(alice.address, ids[0]!);
    await new Programs(addrs.programs, alice).claim(ids[0]!, {
      cumulativeAmount: BigInt(a.cumulative),
      proof: a.proof,
    });
    const b = await served(bob.address, ids[1]!);
    await new Programs(addrs.programs, bob).claim(
      ids[1]!,
      { cumulativeAmount: BigInt(b.cumulative), proof: b.proof },
      carol.address,
    );
    await index.reached(await cli.provider.getBlockNumber());
    expect(await served(alice.address, ids[0]!)).to.include({ claimable: "0", claimed: a.cumulative });
    const program1 = await get(`/kc/programs/${ids[0]}`);
    expect(program1.claims).to.deep.equal([
      {
        account: alice.address.toLowerCase(),
        claimed: a.cumulative,
        lastRecipient: alice.address.toLowerCase(),
      },
    ]);
    expect(program1.program.claimed).to.equal(a.cumulative);
    expect((await get(`/kc/programs/${ids[1]}`)).claims[0]).to.include({
      lastRecipient: carol.address.toLowerCase(),
    });
    await check();
  });

  it("follows epoch 2: replaced, vetoed and reposted roots, cumulative amounts on top of epoch 1", async function () {
    const programs = ScoredPrograms__factory.connect(addrs.programs, cli.provider);
    const [A, B, , D] = history.digests;
    const id = ids[0]!;
    const dir = join(epochsDir, "chain-31337", `program-${id}`);
    await new Programs(addrs.programs, new NonceManager(wallet(cli.provider, 0))).fund(
      id,
      parseUnits("500", 18),
    );
    await buildAndPost(cli, id, [[A!, 10]], dir);
    // Posting epoch 2 again replaces the pending root; the guardian then vetoes the replacement.
    await buildAndPost(cli, id, [[B!, 10]], dir);
    const pendingRoot = (await programs.program(id)).pendingRoot;
    await cli.kcJson("epoch-veto", "--program", `${id}`, "--root", pendingRoot, "--from", "1");
    await buildAndPost(
      cli,
      id,
      [
        [A!, 10],
        [B!, 30],
        [D!, 5],
      ],
      dir,
    );
    let { block } = await travel(cli.provider, 1);
    await index.reached(block);
    const statuses = async () =>
      ((await get(`/kc/programs/${id}`)).epochs as any[]).map((e) => `${e.epoch}:${e.status}`);
    expect(await statuses()).to.deep.equal(["1:active", "2:replaced", "2:vetoed", "2:pending"]);
    ({ block } = await travel(cli.provider, 3601));
    await index.reached(block);
    // Matured, not yet promoted on chain: the index shows it active, as the contract's view does.
    expect(await statuses()).to.deep.equal(["1:superseded", "2:replaced", "2:vetoed", "2:active"]);
    const roots = await postedRoots(programs, id, 0);
    expect(roots.map((r) => `${r.epoch}:${r.status}`)).to.deep.equal(await statuses());
    for (const account of history.accounts) {
      const e = ((await get(`/kc/programs/earnings/${account}`)).earnings as any[]).find(
        (x) => x.programId === `${id}`,
      );
      if (!e) continue;
      expect(e.epoch).to.equal("2");
      expect(e.claimable).to.equal((await programs.claimable(id, account, e.cumulative, e.proof)).toString());
    }
    const view = await programs.program(id);
    expect((await get(`/kc/programs/${id}`)).program.view.activeRoot).to.equal(view.activeRoot);
    // Promoted on chain (anyone may activate): the same statuses, now from the RootActivated event.
    await cli.kcJson("epoch-activate", "--program", `${id}`);
    await index.reached(await cli.provider.getBlockNumber());
    expect(await statuses()).to.deep.equal(["1:superseded", "2:replaced", "2:vetoed", "2:active"]);
  });
});
