import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import type { Filter, Log } from "ethers";

import {
  AdaptiveRange,
  type LogSource,
  MemoryHistoryStore,
  getLogsAdaptive,
  isRangeRefusal,
  syncHistory,
} from "../../src/history";
import { createPool, deploySuite, registerArtifact } from "../helpers/pools";

/**
 * A provider in front of the in-process network that refuses what hosted RPCs refuse: windows over
 * `maxRange` blocks, and answers over `maxResults` logs. It counts what it was asked.
 */
class PickyProvider implements LogSource {
  calls: { from: number; to: number; refused: boolean }[] = [];
  constructor(
    readonly maxRange = Infinity,
    readonly maxResults = Infinity,
  ) {}
  getBlockNumber() {
    return ethers.provider.getBlockNumber();
  }
  getBlock(n: number) {
    return ethers.provider.getBlock(n);
  }
  async getLogs(filter: Filter): Promise<Log[]> {
    const from = Number(filter.fromBlock);
    const to = Number(filter.toBlock);
    if (to - from + 1 > this.maxRange) {
      this.calls.push({ from, to, refused: true });
      throw new Error(
        `could not coalesce error (error={ "code": -32600, "message": "block range exceeds ${this.maxRange}" })`,
      );
    }
    const logs = await ethers.provider.getLogs(filter);
    if (logs.length > this.maxResults) {
      this.calls.push({ from, to, refused: true });
      throw Object.assign(new Error("query returned more than 10000 results"), { code: -32005 });
    }
    this.calls.push({ from, to, refused: false });
    return logs;
  }
}

async function historyFixture() {
  const [deployer, curator, alice, bob] = await ethers.getSigners();
  const suite = await deploySuite(deployer.address);
  const { registry, pools, token } = suite;
  const fromBlock = await ethers.provider.getBlockNumber();
  const A = await registerArtifact(registry, deployer, { name: "history/A", contributors: [[alice, 1]] });
  await mine(30_000);
  const B = await registerArtifact(registry, deployer, {
    name: "history/B",
    contributors: [
      [alice, 1],
      [bob, 3],
    ],
    parents: [A],
    upstreamBps: 1000,
  });
  const poolId = await createPool(pools, deployer, token, curator);
  await pools.connect(curator).admitMany(poolId, [A, B], [1, 2]);
  const { chainId } = await ethers.provider.getNetwork();
  return { ...suite, fromBlock, A, B, poolId, chainId, deployer, curator, alice, bob };
}

type Fixture = Awaited<ReturnType<typeof historyFixture>>;

function options(f: Fixture, provider: LogSource = ethers.provider) {
  return { provider, chainId: f.chainId, registry: f.registry, pools: f.pools, fromBlock: f.fromBlock };
}

describe("history index", function () {
  describe("syncHistory", function () {
    it("reads artifacts, lineage, slots and pool membership", async function () {
      const f = await loadFixture(historyFixture);
      const { view, stats } = await syncHistory(options(f));
      expect([...view.artifacts.keys()]).to.deep.equal([f.A.toLowerCase(), f.B.toLowerCase()]);
      expect(view.children(f.A)).to.deep.equal([f.B.toLowerCase()]);
      expect(view.artifactsOf(f.bob.address)).to.deep.equal([f.B.toLowerCase()]);
      expect(view.slotOf(f.B, f.bob.address)).to.equal(1);
      expect(view.pool(f.poolId)!.members).to.deep.equal([
        { artifact: f.A.toLowerCase(), weight: 1n },
        { artifact: f.B.toLowerCase(), weight: 2n },
      ]);
      expect(stats.start).to.equal("cold");
      expect(stats.head).to.equal(await ethers.provider.getBlockNumber());
    });

    it("reads what pool-show, pool-streams and pool-changes print: flows per edge, totals, streams, changes", async function () {
      const f = await loadFixture(historyFixture);
      const { pools, token, deployer, curator } = f;
      await token.connect(deployer).approve(await pools.getAddress(), 10n ** 30n);
      await pools.connect(deployer).fund(f.poolId, 300n);
      await pools.connect(deployer).fundStream(f.poolId, 1_000n, 1_000n, true, 0n);
      await pools.connect(deployer).fundStream(f.poolId, 500n, 2_000n, false, 0n);
      await mine(99);
      const [first] = await pools.queryFilter(pools.filters.StreamCreated(f.poolId));
      await pools.connect(deployer).cancelStream(f.poolId, first.args.start, first.args.end);
      const [cancel] = await pools.queryFilter(pools.filters.StreamCancelled(f.poolId));
      // About a tenth of the way: released and refunded split what the pool received.
      expect(cancel.args.released + cancel.args.refunded).to.equal(1_000n);
      expect(cancel.args.released).to.be.within(100n, 105n);
      await pools.connect(deployer).settle(f.poolId, [f.B], 1n);
      await mine(10); // the remaining stream releases more, so B has more to pass on
      await pools.connect(deployer).settle(f.poolId, [f.B], 1n);
      const delayed = await createPool(pools, deployer, token, curator, 3_600);
      await pools.connect(curator).admit(delayed, f.A, 5);
      await pools.connect(curator).admit(delayed, f.B, 5);
      await pools.connect(curator).cancelChange(delayed, 1n);

      const { view } = await syncHistory(options(f));
      const pool = view.pool(f.poolId)!;
      expect([pool.received, pool.refunded, pool.fundings]).to.deep.equal([1_800n, cancel.args.refunded, 3]);
      // Two settlements of B, one edge: the flows add up per edge, as pool-show and the demo list them.
      const flowed = await pools.queryFilter(pools.filters.UpstreamFlowed(f.poolId));
      expect(flowed).to.have.length(2);
      expect(pool.flows).to.deep.equal([
        {
          child: f.B.toLowerCase(),
          parent: f.A.toLowerCase(),
          scaledAmount: flowed[0].args.scaledAmount + flowed[1].args.scaledAmount,
        },
      ]);
      expect(view.inflowScaled(f.poolId, f.A)).to.equal(pool.flows[0].scaledAmount);
      expect(pool.streams.map((s) => [s.received, s.cancelled, s.released, s.refunded])).to.deep.equal([
        [1_000n, true, cancel.args.released, cancel.args.refunded],
        [500n, false, undefined, undefined],
      ]);
      expect(pool.pendingChanges).to.deep.equal([]);
      expect(view.pool(delayed)!.pendingChanges).to.deep.equal([2n]);
    });

    it("resumes from the cache: reads only the new blocks and the reorg margin", async function () {
      const f = await loadFixture(historyFixture);
      const store = new MemoryHistoryStore();
      const first = await syncHistory({ ...options(f), store, reorgMargin: 5 });
      const C = await registerArtifact(f.registry, f.deployer, {
        name: "history/C",
        contributors: [[f.bob, 1]],
      });
      await f.pools.connect(f.curator).remove(f.poolId, f.A);
      const provider = new PickyProvider();
      const second = await syncHistory({ ...options(f, provider), store, reorgMargin: 5 });
      expect(second.stats.start).to.equal("resumed");
      // 2 new blocks, plus the 5 of the margin that were not cached.
      expect(second.stats.blocksRead).to.equal(7);
      expect(provider.calls).to.deep.equal([
        { from: first.stats.head - 4, to: first.stats.head + 2, refused: false },
      ]);
      expect(second.view.artifactsOf(f.bob.address)).to.deep.equal([f.B.toLowerCase(), C.toLowerCase()]);
      expect(second.view.pool(f.poolId)!.members).to.deep.equal([
        { artifact: f.B.toLowerCase(), weight: 2n },
      ]);
      // The same as reading everything afresh.
      const cold = await syncHistory(options(f));
      expect(second.view.state).to.deep.equal(cold.view.state);
    });

    it("rebuilds when the cache belongs to other contracts or starts later", async function () {
      const f = await loadFixture(historyFixture);
      const store = new MemoryHistoryStore();
      await syncHistory({ ...options(f), store });
      const again = await syncHistory({ ...options(f), store, fromBlock: f.fromBlock - 1 });
      expect(again.stats.start).to.equal(
        `rebuilt: asked from block ${f.fromBlock - 1}, cache starts at ${f.fromBlock}`,
      );
      expect(again.view.artifacts.size).to.equal(2);
    });
  });

  describe("log ranges", function () {
    it("halves a refused window until the provider accepts it, then grows again", async function () {
      const f = await loadFixture(historyFixture);
      const provider = new PickyProvider(1_000);
      const range = new AdaptiveRange({ initial: 8_000 });
      const { view, stats } = await syncHistory({ ...options(f, provider), range });
      expect(view.artifacts.size).to.equal(2);
      // 8000 → 4000 → 2000 refused, then windows of 1000; growth to 2000 is retried only after 16 windows.
      expect(provider.calls.slice(0, 4)).to.deep.equal([
        { from: f.fromBlock, to: f.fromBlock + 7_999, refused: true },
        { from: f.fromBlock, to: f.fromBlock + 3_999, refused: true },
        { from: f.fromBlock, to: f.fromBlock + 1_999, refused: true },
        { from: f.fromBlock, to: f.fromBlock + 999, refused: false },
      ]);
      const accepted = provider.calls.filter((c) => !c.refused);
      expect(
        provider.calls.slice(3, 3 + 16).every((c) => !c.refused && c.to - c.from + 1 === 1_000),
      ).to.equal(true);
      expect(provider.calls[19]).to.include({ refused: true });
      expect(provider.calls[19].to - provider.calls[19].from + 1).to.equal(2_000);
      expect(accepted.every((c) => c.to - c.from + 1 <= 1_000)).to.equal(true);
      // The accepted windows tile the whole span, once.
      expect(accepted[0].from).to.equal(f.fromBlock);
      for (let i = 1; i < accepted.length; i++) expect(accepted[i].from).to.equal(accepted[i - 1].to + 1);
      expect(accepted.at(-1)!.to).to.equal(stats.head);
      expect(stats.refusals).to.equal(provider.calls.filter((c) => c.refused).length);
      const cold = await syncHistory(options(f));
      expect(view.state).to.deep.equal(cold.view.state);
    });

    it("halves on too many results, and grows after accepted full windows", async function () {
      const f = await loadFixture(historyFixture);
      const provider = new PickyProvider(Infinity, 2);
      const range = new AdaptiveRange({ initial: 1_000_000 });
      const { view } = await syncHistory({ ...options(f, provider), range });
      expect(view.artifacts.size).to.equal(2);
      expect(provider.calls[0].refused).to.equal(true);
      expect(view.state).to.deep.equal((await syncHistory(options(f))).view.state);
      // After the busy blocks the window grows back.
      const sizes = provider.calls.filter((c) => !c.refused).map((c) => c.to - c.from + 1);
      expect(Math.max(...sizes)).to.be.greaterThan(Math.min(...sizes));
    });

    it("passes other errors through, and gives up below the minimum window", async function () {
      const failing: LogSource = {
        getBlockNumber: async () => 10,
        getBlock: async () => null,
        getLogs: async () => {
          throw new Error("connection refused");
        },
      };
      await expect(
        getLogsAdaptive(failing, { address: [], topics: [] }, 0, 10, new AdaptiveRange()),
      ).to.be.rejectedWith("connection refused");
      const refusing: LogSource = {
        ...failing,
        getLogs: async () => {
          throw new Error("block range too large");
        },
      };
      const range = new AdaptiveRange({ initial: 8, min: 2 });
      await expect(getLogsAdaptive(refusing, { address: [], topics: [] }, 0, 10, range)).to.be.rejectedWith(
        "block range too large",
      );
      expect(range.size).to.equal(2);
      expect(isRangeRefusal(new Error("nonce too low"))).to.equal(false);
      expect(isRangeRefusal({ code: -32005, message: "limit" })).to.equal(true);
    });
  });

  describe("reorgs", function () {
    it("re-reads the margin, so a reorg inside it replaces what the cache saw", async function () {
      const f = await loadFixture(historyFixture);
      const store = new MemoryHistoryStore();
      const snapshot = await network.provider.send("evm_snapshot");
      const X = await registerArtifact(f.registry, f.deployer, {
        name: "history/X",
        contributors: [[f.bob, 1]],
      });
      const before = await syncHistory({ ...options(f), store, reorgMargin: 4 });
      expect(before.view.artifacts.has(X.toLowerCase())).to.equal(true);
      await network.provider.send("evm_revert", [snapshot]);
      const Y = await registerArtifact(f.registry, f.deployer, {
        name: "history/Y",
        contributors: [[f.bob, 1]],
      });
      const after = await syncHistory({ ...options(f), store, reorgMargin: 4 });
      expect(after.stats.start).to.equal("resumed");
      expect(after.view.artifacts.has(X.toLowerCase())).to.equal(false);
      expect(after.view.artifacts.has(Y.toLowerCase())).to.equal(true);
    });

    it("drops the cache when a reorg goes deeper than the margin", async function () {
      const f = await loadFixture(historyFixture);
      const store = new MemoryHistoryStore();
      const snapshot = await network.provider.send("evm_snapshot");
      const X = await registerArtifact(f.registry, f.deployer, {
        name: "history/X",
        contributors: [[f.bob, 1]],
      });
      await mine(10);
      const before = await syncHistory({ ...options(f), store, reorgMargin: 2 });
      expect(before.view.artifacts.has(X.toLowerCase())).to.equal(true);
      await network.provider.send("evm_revert", [snapshot]);
      const Y = await registerArtifact(f.registry, f.deployer, {
        name: "history/Y",
        contributors: [[f.bob, 1]],
      });
      await mine(12);
      const after = await syncHistory({ ...options(f), store, reorgMargin: 2 });
      expect(after.stats.start).to.equal("rebuilt: the chain reorganised past the cached block");
      expect(after.view.artifacts.has(X.toLowerCase())).to.equal(false);
      expect(after.view.artifacts.has(Y.toLowerCase())).to.equal(true);
    });
  });
});
