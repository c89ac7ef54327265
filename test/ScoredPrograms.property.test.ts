import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";

import { allocateEpoch } from "../src/epochs/allocate";
import { computeEpoch, type PreviousEpoch } from "../src/epochs/epoch";
import { proofHex } from "../src/epochs/merkle";
import { SnapshotBuilder, type RegistrySnapshot } from "../src/epochs/snapshot";
import { Q } from "./helpers/poolModel";
import { HASH_A, HASH_U, TOKEN, deployPrograms } from "./helpers/programs";

/**
 * Random registry graphs (lineage depth ≤ 8) and random usage: the allocation of src/epochs against a separate,
 * recursive exact-rational reference written from the rules (not from the allocator), then the same epochs posted
 * on-chain and claimed by every account, to the wei, with conservation over several epochs.
 */

interface GraphSpec {
  artifacts: {
    parents: number[];
    upstreamBps: number;
    slots: { account: number; share: number }[];
    retracted: boolean;
  }[];
  accounts: string[];
}

const ACCOUNTS = Array.from({ length: 8 }, (_, i) =>
  ethers.getAddress(ethers.dataSlice(ethers.id(`prop:${i}`), 12)).toLowerCase(),
);

/** A random DAG: artifact i may name parents among the earlier ones whose depth is below 8. */
const graphArb: fc.Arbitrary<GraphSpec> = fc
  .array(
    fc.record({
      parentPicks: fc.array(fc.nat(), { maxLength: 4 }),
      upstreamBps: fc.oneof(fc.constant(0), fc.constant(10_000), fc.integer({ min: 0, max: 10_000 })),
      slots: fc.uniqueArray(
        fc.record({
          account: fc.nat({ max: ACCOUNTS.length - 1 }),
          share: fc.integer({ min: 1, max: 1000 }),
        }),
        {
          minLength: 1,
          maxLength: 4,
          selector: (s) => s.account,
        },
      ),
      retracted: fc.integer({ min: 0, max: 9 }).map((x) => x < 2),
    }),
    { minLength: 1, maxLength: 14 },
  )
  .map((raw) => {
    const depth: number[] = [];
    const artifacts = raw.map((r, i) => {
      const parents = [...new Set(r.parentPicks.map((p) => (i === 0 ? -1 : p % i)))].filter(
        (p) => p >= 0 && depth[p] < 8,
      );
      depth.push(parents.length ? Math.max(...parents.map((p) => depth[p])) + 1 : 0);
      return {
        parents,
        upstreamBps: parents.length ? r.upstreamBps : 0,
        slots: r.slots,
        retracted: r.retracted,
      };
    });
    return { artifacts, accounts: ACCOUNTS };
  });

function snapshotOf(g: GraphSpec): RegistrySnapshot {
  const b = new SnapshotBuilder();
  g.artifacts.forEach((a, i) =>
    b.register(
      ethers.id(`artifact:${i}`),
      a.slots.map((s) => ({ account: g.accounts[s.account], share: s.share })),
      a.parents.map((p) => ethers.id(`artifact:${p}`)),
      a.upstreamBps,
    ),
  );
  g.artifacts.forEach((a, i) => a.retracted && b.retract(ethers.id(`artifact:${i}`)));
  return b.finish(0);
}

/** The reference: follow each artifact's amount recursively up the lineage in exact rationals. */
function reference(g: GraphSpec, units: bigint[], distributable: bigint): Map<string, bigint> {
  const owed = new Map<string, Q>();
  const pay = (i: number, amount: Q) => {
    const a = g.artifacts[i];
    let kept = amount;
    if (a.parents.length > 0 && a.upstreamBps > 0) {
      const upstream = amount.mul(BigInt(a.upstreamBps)).div(10_000n);
      kept = kept.sub(upstream);
      const each = upstream.div(BigInt(a.parents.length));
      for (const p of a.parents) {
        if (g.artifacts[p].retracted) kept = kept.add(each);
        else pay(p, each);
      }
    }
    const totalShares = a.slots.reduce((s, x) => s + x.share, 0);
    for (const s of a.slots) {
      const acct = g.accounts[s.account];
      owed.set(acct, (owed.get(acct) ?? Q.ZERO).add(kept.mul(BigInt(s.share)).div(BigInt(totalShares))));
    }
  };
  const counted = units.map((u, i) => (g.artifacts[i].retracted ? 0n : u));
  const total = counted.reduce((x, y) => x + y, 0n);
  if (total > 0n) counted.forEach((u, i) => u > 0n && pay(i, new Q(distributable * u, total)));
  const out = new Map<string, bigint>();
  for (const [a, q] of owed) if (q.floor() > 0n) out.set(a, q.floor());
  return out;
}

const usageArb = (n: number) =>
  fc.array(fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 6n })), { minLength: n, maxLength: n });

function usageOf(units: bigint[]) {
  return {
    digests: units.map((_, i) => ethers.id(`artifact:${i}`)),
    units,
    lines: units.map((_, i) => i + 2),
  };
}

describe("ScoredPrograms (property)", function () {
  it("allocates every epoch exactly as the rational reference, floor per account, dust = the rest", function () {
    fc.assert(
      fc.property(
        graphArb.chain((g) =>
          fc.tuple(fc.constant(g), usageArb(g.artifacts.length), fc.bigInt({ min: 0n, max: 10n ** 24n })),
        ),
        ([g, units, distributable]) => {
          const snapshot = snapshotOf(g);
          const got = allocateEpoch(snapshot, usageOf(units), distributable);
          const want = reference(g, units, distributable);
          const gotByAccount = new Map([...got.amounts].map(([id, v]) => [snapshot.accounts[id], v]));
          expect(gotByAccount).to.deep.equal(want);
          expect(got.allocated + got.dust).to.equal(distributable);
          expect(got.dust >= 0n).to.equal(true);
          // Flooring loses less than one unit per account; with no counted usage everything is carried.
          const counted = units.some((u, i) => u > 0n && !g.artifacts[i].retracted);
          if (counted) expect(got.dust < BigInt(g.accounts.length)).to.equal(true);
          else expect(got.dust).to.equal(distributable);
        },
      ),
      { numRuns: 300 },
    );
  });

  async function chainFixture() {
    const [deployer, scorer, guardian, funder] = await ethers.getSigners();
    const { programs, token } = await deployPrograms(funder.address);
    await token.connect(funder).approve(programs, ethers.MaxUint256);
    return { deployer, scorer, guardian, funder, programs, token };
  }

  it("claims of every account match the allocation to the wei, and Σ claimed + unclaimed + dust = Σ budgets", async function () {
    this.timeout(240_000);
    const { scorer, guardian, funder, programs, token } = await loadFixture(chainFixture);
    let programId = 0n;
    await fc.assert(
      fc.asyncProperty(
        graphArb.chain((g) =>
          fc.tuple(
            fc.constant(g),
            fc.array(fc.tuple(usageArb(g.artifacts.length), fc.bigInt({ min: 1n, max: 10n ** 21n })), {
              minLength: 1,
              maxLength: 3,
            }),
          ),
        ),
        async ([g, epochs]) => {
          const snapshot = snapshotOf(g);
          await (await programs.createProgram(token, scorer, guardian, 0)).wait();
          programId++;
          let previous: PreviousEpoch | undefined;
          let budgets = 0n;
          const claimedBy = new Map<string, bigint>();
          for (let e = 0; e < epochs.length; e++) {
            const [units, budget] = epochs[e];
            await (await programs.connect(funder).fund(programId, budget)).wait();
            budgets += budget;
            const distributable = budget + (previous?.dust ?? 0n);
            let result;
            try {
              result = computeEpoch(snapshot, usageOf(units), distributable, previous);
            } catch {
              // No account has anything yet: nothing to post; the whole budget is carried.
              previous = { epoch: e + 1, cumulative: new Map(), total: 0n, dust: distributable, root: "" };
              continue;
            }
            await (
              await programs
                .connect(scorer)
                .post(
                  programId,
                  BigInt(Number((await programs.program(programId)).activeEpoch) + 1),
                  result.root,
                  result.cumulativeTotal,
                  HASH_U,
                  "",
                  HASH_A,
                  "",
                )
            ).wait();
            // Claim every other epoch so some claims collect two epochs at once.
            if (e % 2 === 1 || e === epochs.length - 1) {
              for (let i = 0; i < result.accounts.length; i++) {
                const account = result.accounts[i];
                const already = claimedBy.get(account) ?? 0n;
                if (result.cumulative[i] === already) continue;
                const before = await token.balanceOf(account);
                await (
                  await programs.claim(programId, account, result.cumulative[i], proofHex(result.tree, i))
                ).wait();
                expect((await token.balanceOf(account)) - before).to.equal(result.cumulative[i] - already);
                claimedBy.set(account, result.cumulative[i]);
              }
            }
            previous = {
              epoch: e + 1,
              cumulative: new Map(result.accounts.map((a, i) => [a, result.cumulative[i]])),
              total: result.cumulativeTotal,
              dust: result.allocation.dust,
              root: result.root,
            };
          }
          const claimed = [...claimedBy.values()].reduce((x, y) => x + y, 0n);
          const cumulative = previous?.total ?? 0n;
          const unclaimed = cumulative - claimed;
          expect(claimed + unclaimed + (previous?.dust ?? 0n)).to.equal(budgets);
          const view = await programs.program(programId);
          expect(view.claimed).to.equal(claimed);
          expect(view.received).to.equal(budgets);
        },
      ),
      { numRuns: 12 },
    );
    await time.increase(1);
  });
});
