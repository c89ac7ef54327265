import { expect } from "chai";
import { Contract } from "ethers";

import { IKnowledgeRegistry__factory } from "../../typechain-types/factories/contracts/interfaces/IKnowledgeRegistry__factory";
import { KnowledgeRegistry__factory } from "../../typechain-types/factories/contracts/KnowledgeRegistry__factory";
import { IRewardPools__factory } from "../../typechain-types/factories/contracts/interfaces/IRewardPools__factory";
import { type CliNode, freePort, startCliNode } from "./harness";
import { type History, scriptedHistory } from "./history";
import { type RunningIndex, deployForIndex, startIndex } from "./indexHarness";

/**
 * The index (Ponder, `npm run index`) against a `hardhat node`: after a scripted history, every value it serves
 * equals the contracts' views at the same block.
 */
describe("index e2e: Ponder on a hardhat node equals the contracts' views", function () {
  // Coverage instruments the contracts in-process; a separate node would run uninstrumented code.
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(600_000);
  let cli: CliNode;
  let index: RunningIndex;
  let addrs: { registry: string; pools: string; token: string };
  let history: History;
  let block: number;
  let at: bigint;

  const get = async (path: string) => {
    const res = await fetch(`${index.url}${path}`);
    expect(res.status, `${path}: ${res.status}`).to.equal(200);
    return (await res.json()) as any;
  };

  before(async function () {
    cli = await startCliNode("index");
    const indexPort = await freePort();
    addrs = await deployForIndex(cli, indexPort);
    const rpcUrl = (cli.provider as any)._getConnection().url as string;
    // Part of the history before the index starts (backfill), the rest while it runs (live).
    index = await startIndex({ rpcUrl, registry: addrs.registry, pools: addrs.pools, port: indexPort });
    history = await scriptedHistory(cli.provider, addrs, 3);
    await cli.provider.send("evm_increaseTime", [600]);
    await cli.provider.send("evm_mine", []);
    // Straight from the node: ethers may answer "latest" from a cache a few blocks old.
    const latest = await cli.provider.send("eth_getBlockByNumber", ["latest", false]);
    block = Number(latest.number);
    at = BigInt(latest.timestamp);
    await index.reached(block);
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(index.log().split("\n").slice(-40).join("\n"));
  });

  after(async function () {
    await index?.stop();
    await cli?.stop();
  });

  it("keeps every pools log and every registry log the reducer reads, with its block's timestamp", async function () {
    const logs = await cli.provider.getLogs({
      fromBlock: 0,
      toBlock: block,
      address: [addrs.registry, addrs.pools],
    });
    const pools = IRewardPools__factory.createInterface();
    const registry = IKnowledgeRegistry__factory.createInterface();
    const times = new Map<number, number>();
    const expected: string[] = [];
    for (const log of logs) {
      const isPools = log.address.toLowerCase() === addrs.pools.toLowerCase();
      const parsed = (isPools ? pools : registry).parseLog(log);
      if (!parsed) continue;
      if (
        !isPools &&
        !["ArtifactRegistered", "ArtifactRetracted", "ContributorSlotMoved"].includes(parsed.name)
      )
        continue;
      if (!times.has(log.blockNumber))
        times.set(log.blockNumber, (await cli.provider.getBlock(log.blockNumber))!.timestamp);
      expected.push(`${log.blockNumber}:${log.index} ${parsed.name} @${times.get(log.blockNumber)}`);
    }
    const res = await fetch(`${index.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query:
          '{ reducerLogs(limit: 1000, orderBy: "id") { items { blockNumber logIndex name timestamp } } }',
      }),
    });
    const body = (await res.json()) as any;
    expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
    const served = body.data.reducerLogs.items
      .map((l: any) => ({ ...l, blockNumber: Number(l.blockNumber) }))
      .sort((a: any, b: any) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex)
      .map((l: any) => `${l.blockNumber}:${l.logIndex} ${l.name} @${l.timestamp}`);
    expect(served).to.deep.equal(expected);
  });

  it("artifacts, contributors and lineage equal the registry's views", async function () {
    const registry = IKnowledgeRegistry__factory.connect(addrs.registry, cli.provider);
    const listed = await get("/kc/artifacts?limit=500");
    expect(listed.artifacts.map((a: any) => a.digest).sort()).to.deep.equal([...history.digests].sort());
    for (const digest of history.digests) {
      const served = await get(`/kc/artifacts/${digest}`);
      const info = await registry.artifact(digest, { blockTag: block });
      expect(served.artifact).to.include({
        digest,
        owner: info.owner.toLowerCase(),
        kind: Number(info.kind),
        scheme: Number(info.scheme),
        upstreamBps: Number(info.upstreamBps),
        minUpstreamBps: Number(info.minUpstreamBps),
        parentCount: Number(info.parentCount),
        retracted: info.retracted,
        totalShares: info.totalShares.toString(),
      });
      const contributors = await registry.contributors(digest, { blockTag: block });
      expect(served.contributors.map((c: any) => [c.account, c.share])).to.deep.equal(
        contributors.map((c) => [c.account.toLowerCase(), c.share.toString()]),
      );
      expect(served.parents).to.deep.equal(await registry.parentsOf(digest, { blockTag: block }));
    }
    const agent = await get(`/kc/lineage/${history.digests[2]}`);
    expect(agent.nodes).to.have.length(3);
    expect(agent.edges).to.have.length(3);
  });

  it("pools and members equal RewardPools.pool and RewardPools.member", async function () {
    const pools = IRewardPools__factory.connect(addrs.pools, cli.provider);
    const count = await pools.poolCount({ blockTag: block });
    const served = await get(`/kc/pools?at=${at}`);
    expect(served.pools.map((p: any) => p.poolId)).to.deep.equal(
      Array.from({ length: Number(count) }, (_, i) => String(i + 1)),
    );
    for (const poolId of history.poolIds) {
      const view = await pools.pool(poolId, { blockTag: block });
      const one = await get(`/kc/pools/${poolId}?at=${at}`);
      const expected = {
        token: view.token.toLowerCase(),
        curator: view.curator.toLowerCase(),
        pendingCurator: view.pendingCurator.toLowerCase(),
        curationDelay: view.curationDelay.toString(),
        totalWeight: view.totalWeight.toString(),
        index: view.index.toString(),
        lastUpdate: view.lastUpdate.toString(),
        rate: view.rate.toString(),
        nextStreamEnd: view.nextStreamEnd.toString(),
        streaming: view.streaming.toString(),
        carried: view.carried.toString(),
        changeCount: view.changeCount.toString(),
      };
      const lower = (v: Record<string, string>) =>
        Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x).toLowerCase()]));
      expect(lower(one.pool.view)).to.deep.equal(expected);
      expect(one.pool.totalWeight).to.equal(expected.totalWeight);
      for (const digest of history.digests) {
        const m = await pools.member(poolId, digest, { blockTag: block });
        const row = one.members.find((x: any) => x.artifact === digest);
        const mine = {
          weight: m.weight.toString(),
          checkpoint: m.checkpoint.toString(),
          earnedScaled: m.earnedScaled.toString(),
          pendingUpstreamScaled: m.pendingUpstreamScaled.toString(),
          upstreamBps: m.upstreamBps.toString(),
          totalShares: m.totalShares.toString(),
        };
        const zero = { weight: "0", checkpoint: "0", earnedScaled: "0", pendingUpstreamScaled: "0" };
        if (row) expect(row, `pool ${poolId} member ${digest}`).to.include(mine);
        else expect(mine, `pool ${poolId} member ${digest} not served`).to.include(zero);
      }
    }
  });

  it("what each account can claim equals RewardPools.claimable and claimed", async function () {
    const pools = IRewardPools__factory.connect(addrs.pools, cli.provider);
    const registry = IKnowledgeRegistry__factory.connect(addrs.registry, cli.provider);
    let nonZero = 0;
    for (const account of history.accounts) {
      const served = await get(`/kc/earnings/${account}?at=${at}`);
      for (const poolId of history.poolIds) {
        for (const digest of history.digests) {
          const claimable = await pools.claimable(poolId, digest, account, { blockTag: block });
          const rows = served.earnings.filter(
            (e: any) => e.poolId === String(poolId) && e.artifact === digest,
          );
          const servedClaimable = rows.reduce((s: bigint, e: any) => s + BigInt(e.claimable), 0n);
          expect(servedClaimable, `${account} pool ${poolId} ${digest}`).to.equal(claimable);
          if (claimable > 0n) nonZero++;
          const holders = (await registry.contributors(digest, { blockTag: block })).map((c) => c.account);
          for (const e of rows)
            expect(BigInt(e.claimed)).to.equal(
              await pools.claimed(poolId, digest, e.slot, { blockTag: block }),
            );
          if (rows.length > 0) expect(holders[Number(rows[0].slot)]).to.equal(account);
        }
      }
    }
    // Every contributor of an admitted or upstream artifact is owed something: the comparison is not vacuous.
    expect(nonZero).to.be.greaterThan(10);
  });

  it("the charts' time series end at the contracts' numbers", async function () {
    const pools = IRewardPools__factory.connect(addrs.pools, cli.provider);
    const registry = IKnowledgeRegistry__factory.connect(addrs.registry, cli.provider);
    const token = new Contract(
      addrs.token,
      ["function balanceOf(address) view returns (uint256)"],
      cli.provider,
    );
    let held = 0n;
    let earning = 0;
    for (const poolId of history.poolIds) {
      const { points } = await get(`/kc/pools/${poolId}/series?at=${at}`);
      const last = points[points.length - 1];
      expect(Number(last.timestamp)).to.equal(Number(at));
      // What was received, from the chain's own logs.
      const received = [
        ...(await pools.queryFilter(pools.filters.PoolFunded(poolId), 0, block)),
        ...(await pools.queryFilter(pools.filters.StreamCreated(poolId), 0, block)),
      ].reduce((s, l) => s + l.args.received, 0n);
      expect(BigInt(last.funded)).to.equal(received);
      let claimed = 0n;
      for (const digest of history.digests) {
        const slots = (await registry.contributors(digest, { blockTag: block })).length;
        let earned = 0n;
        let paid = 0n;
        for (let slot = 0; slot < slots; slot++) {
          const c = await pools.claimed(poolId, digest, slot, { blockTag: block });
          paid += c;
          earned += c + (await pools.claimableBySlot(poolId, digest, slot, { blockTag: block }));
        }
        claimed += paid;
        if (earned > 0n) earning++;
        const served = (await get(`/kc/artifacts/${digest}/series?at=${at}`)).pools.find(
          (p: any) => p.poolId === String(poolId),
        );
        const end = served?.points[served.points.length - 1] ?? { earned: "0", claimed: "0" };
        expect([BigInt(end.earned), BigInt(end.claimed)], `pool ${poolId} ${digest}`).to.deep.equal([
          earned,
          paid,
        ]);
      }
      expect(BigInt(last.claimed)).to.equal(claimed);
      held += BigInt(last.funded) - BigInt(last.refunded) - BigInt(last.claimed);
    }
    // Every pool pays the same token: what they hold together is what was funded less refunds and claims.
    expect(await token.balanceOf(addrs.pools, { blockTag: block })).to.equal(held);
    expect(earning).to.be.greaterThan(3);
  });

  it("a malformed id or query parameter is a 400 with a one-line JSON reason", async function () {
    for (const [path, error] of [
      ["/kc/pools/abc", "the pool id is not a whole number: abc"],
      ["/kc/pools/1/series", undefined],
      ["/kc/pools/x1/series", "the pool id is not a whole number: x1"],
      ["/kc/pools?at=soon", "?at= is not a whole number: soon"],
      ["/kc/artifacts?limit=-5", "?limit= is not a whole number: -5"],
      [`/kc/lineage/${history.digests[0]}?depth=NaN`, "?depth= is not a whole number: NaN"],
    ] as const) {
      const res = await fetch(`${index.url}${path}`);
      if (error === undefined) {
        expect(res.status, path).to.equal(200);
        continue;
      }
      expect(res.status, path).to.equal(400);
      expect(await res.json(), path).to.deep.equal({ error });
    }
  });

  it("tokenURI points at the index, which serves metadata a wallet shows", async function () {
    const registry = KnowledgeRegistry__factory.connect(addrs.registry, cli.provider);
    const digest = history.digests[1];
    const uri = await registry.tokenURI(BigInt(digest));
    expect(uri).to.equal(`${index.url}/kc/metadata/${digest}`);
    const res = await fetch(uri);
    expect(res.status).to.equal(200);
    const meta = (await res.json()) as any;
    expect(meta.name).to.equal(`Knowledge Commons model ${digest.slice(0, 10)}…`);
    expect(meta.external_url).to.match(new RegExp(`#/artifact/${digest}$`));
    expect(meta.attributes).to.deep.include({ trait_type: "digest", value: digest });
    expect(meta.attributes).to.deep.include({ trait_type: "kind", value: "model" });
    expect(meta.content_uri).to.equal("ipfs://example/river-model");
    const image = Buffer.from(meta.image.replace(/^data:image\/svg\+xml;base64,/, ""), "base64").toString();
    expect(image)
      .to.match(/^<svg /)
      .and.to.contain(">model</text>")
      .and.to.contain(digest.slice(34));
  });
});
