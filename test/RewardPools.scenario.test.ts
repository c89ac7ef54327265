import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import {
  SCALE,
  createPool,
  deploySuite,
  registerArtifact,
  streamIdOf,
  target,
  tokens,
} from "./helpers/pools";

/**
 * The cast:
 *   A  weight 1, contributors a1 60 / a2 40, no parents
 *   B  weight 3, contributors b1 60 / b2 40, no parents (b2 later moves its slot to b2n)
 *   C  weight 4, contributors c1 3 / c2 1 (75 % / 25 %), parents [A, B], upstreamBps 2000
 * Total weight 8, so every distribution below divides exactly (2^40 · amount / 8, /16 and /15 of the chosen
 * amounts are whole), and 20 % upstream splits into two equal halves.
 */
async function scenarioFixture() {
  const signers = await ethers.getSigners();
  const [deployer, curator, funder, streamer, keeper, a1, a2, b1, b2, b2n, c1, c2, g1, outsider] = signers;
  const { registry, pools, token } = await deploySuite(funder.address);
  await token.connect(funder).transfer(streamer, tokens(100_000));

  const artA = await registerArtifact(registry, deployer, {
    name: "scenario/A",
    contributors: [
      [a1, 60],
      [a2, 40],
    ],
  });
  const artB = await registerArtifact(registry, deployer, {
    name: "scenario/B",
    contributors: [
      [b1, 60],
      [b2, 40],
    ],
  });
  const artC = await registerArtifact(registry, deployer, {
    name: "scenario/C",
    contributors: [
      [c1, 3],
      [c2, 1],
    ],
    parents: [artA, artB],
    upstreamBps: 2000,
  });
  // G builds on C and passes half of what it earns upstream (used by the lineage-step test only).
  const artG = await registerArtifact(registry, deployer, {
    name: "scenario/G",
    contributors: [[g1, 1]],
    parents: [artC],
    upstreamBps: 5000,
  });

  // The story's cast (second test): P (g1), retracted midway; A (a1 60 / a2 40); B (b1); C (c1 3 / c2 1), child of
  // A and P with 20 % upstream.
  const storyP = await registerArtifact(registry, deployer, { name: "story/P", contributors: [[g1, 1]] });
  const storyA = await registerArtifact(registry, deployer, {
    name: "story/A",
    contributors: [
      [a1, 60],
      [a2, 40],
    ],
  });
  const storyB = await registerArtifact(registry, deployer, { name: "story/B", contributors: [[b1, 1]] });
  const storyC = await registerArtifact(registry, deployer, {
    name: "story/C",
    contributors: [
      [c1, 3],
      [c2, 1],
    ],
    parents: [storyA, storyP],
    upstreamBps: 2000,
  });

  await token.connect(funder).approve(pools, ethers.MaxUint256);
  await token.connect(streamer).approve(pools, ethers.MaxUint256);
  await token.connect(outsider).approve(pools, ethers.MaxUint256);
  const poolId = await createPool(pools, curator, token, curator);
  await pools.connect(curator).admit(poolId, artA, 1);
  await pools.connect(curator).admit(poolId, artB, 3);
  await pools.connect(curator).admit(poolId, artC, 4);
  return {
    registry,
    pools,
    token,
    curator,
    funder,
    streamer,
    keeper,
    a1,
    a2,
    b1,
    b2,
    b2n,
    c1,
    c2,
    g1,
    outsider,
    artA,
    artB,
    artC,
    artG,
    poolId,
    deployer,
    storyP,
    storyA,
    storyB,
    storyC,
  };
}

type Party = "a1" | "a2" | "b1" | "b2" | "b2n" | "c1" | "c2";
type Table = Record<Party, string>;

describe("RewardPools", function () {
  describe("exact-amount scenario", function () {
    it("pays every party to the wei: instant fund, stream, weight change, removal, slot move, claims, settle", async function () {
      const fx = await loadFixture(scenarioFixture);
      const { registry, pools, token, curator, funder, streamer, keeper, artA, artB, artC, poolId } = fx;
      const { a1, a2, b1, b2, b2n, c1, c2 } = fx;
      const artifactOf: Record<Party, [string, typeof a1]> = {
        a1: [artA, a1],
        a2: [artA, a2],
        b1: [artB, b1],
        b2: [artB, b2],
        b2n: [artB, b2n],
        c1: [artC, c1],
        c2: [artC, c2],
      };
      const parties = Object.keys(artifactOf) as Party[];
      const expectClaimables = async (label: string, table: Table) => {
        const actual: Record<string, bigint> = {};
        const expected: Record<string, bigint> = {};
        for (const party of parties) {
          const [artifact, signer] = artifactOf[party];
          actual[party] = await pools.claimable(poolId, artifact, signer);
          expected[party] = tokens(table[party]);
        }
        expect(actual, label).to.deep.equal(expected);
      };
      const claim = async (party: Party, slot: number, amount: string) => {
        const [artifact, signer] = artifactOf[party];
        const tx = pools.connect(signer).claim(poolId, [target(artifact, slot)], signer);
        await expect(tx)
          .to.emit(pools, "RewardsClaimed")
          .withArgs(poolId, artifact, signer.address, slot, signer.address, tokens(amount));
        await expect(tx).to.changeTokenBalances(token, [pools, signer], [-tokens(amount), tokens(amount)]);
        return tx;
      };

      // ── 1. fund 8,000 at once over weight 8: 1,000 per unit of weight ─────────────────────────────────────
      //   direct: A 1·1000 = 1000, B 3·1000 = 3000, C 4·1000 = 4000 (C keeps 80 % = 3200 once settled)
      await pools.connect(funder).fund(poolId, tokens(8000));
      await expectClaimables("after the instant fund", {
        a1: "600", //  0.60 · 1000
        a2: "400", //  0.40 · 1000
        b1: "1800", // 0.60 · 3000
        b2: "1200", // 0.40 · 3000
        b2n: "0", //   holds no slot yet
        c1: "2400", // 0.75 · 3200 (the view shows C's kept part; the upstream part is not A's or B's until settled)
        c2: "800", //  0.25 · 3200
      });

      // ── 2. stream 8,000 over 8,000 s from S: 1 token per second ───────────────────────────────────────────
      const S = (await time.latest()) + 100;
      await time.setNextBlockTimestamp(S);
      await expect(pools.connect(streamer).fundStream(poolId, tokens(8000), 8000, false, 0))
        .to.emit(pools, "StreamCreated")
        .withArgs(
          poolId,
          streamIdOf(streamer.address, S, S + 8000, false),
          streamer.address,
          tokens(8000),
          tokens(8000),
          S,
          S + 8000,
          false,
        );

      // ── 3. S+2000: C's weight 4 → 12. First 2,000 released over weight 8 = 250 per unit (index 1,250) ──
      //   C settles: direct 4·1250 = 5000 → 20 % = 1000 upstream → A +500, B +500; C kept 4000
      await time.setNextBlockTimestamp(S + 2000);
      await expect(pools.connect(curator).setWeight(poolId, artC, 12))
        .to.emit(pools, "WeightChanged")
        .withArgs(poolId, artC, 4n, 12n)
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, artC, artA, tokens(500) * SCALE)
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, artC, artB, tokens(500) * SCALE);
      expect((await pools.pool(poolId)).index).to.equal(tokens(1250) * SCALE);
      expect((await pools.pool(poolId)).totalWeight).to.equal(16n);
      await expectClaimables("S+2000, after the weight change", {
        a1: "1050", // 0.6 · (1·1250 + 500)
        a2: "700", //  0.4 · 1750
        b1: "2550", // 0.6 · (3·1250 + 500) = 0.6 · 4250
        b2: "1700", // 0.4 · 4250
        b2n: "0",
        c1: "3000", // 0.75 · 4000
        c2: "1000", // 0.25 · 4000
      });

      // ── 4. S+3000: b2 claims. 1,000 more released over weight 16 = 62.5 per unit (virtual index 1,312.5) ──
      //   B: 3·1312.5 + 500 = 4437.5 → b2 0.4 · 4437.5 = 1775
      await time.setNextBlockTimestamp(S + 3000);
      await claim("b2", 1, "1775");
      await expectClaimables("S+3000, after b2's claim", {
        a1: "1087.5", // 0.6 · (1312.5 + 500)
        a2: "725", //    0.4 · 1812.5
        b1: "2662.5", // 0.6 · 4437.5
        b2: "0", //      just claimed
        b2n: "0",
        c1: "3450", //   0.75 · (4000 + 0.8 · 12·62.5) = 0.75 · 4600
        c2: "1150", //   0.25 · 4600
      });

      // ── 5. S+3500: b2 moves its slot to b2n (lost key). Virtual index 1250 + 1500/16 = 1343.75 ──────────────
      //   B: 3·1343.75 + 500 = 4531.25 → slot 1 entitled 0.4 · 4531.25 = 1812.5, claimed 1775 → 37.5 for b2n
      await time.setNextBlockTimestamp(S + 3500);
      await registry.connect(b2).moveSlot(artB, 1, b2n);
      expect(await pools.claimable(poolId, artB, b2)).to.equal(0n);
      expect(await pools.claimable(poolId, artB, b2n)).to.equal(tokens("37.5"));
      await expect(pools.connect(b2).claim(poolId, [target(artB, 1)], b2))
        .to.be.revertedWithCustomError(pools, "NotContributor")
        .withArgs(artB, 1n, b2.address);

      // ── 6. S+5000: the curator removes A. 3,000 released since S+2000 over 16 = 187.5 (index 1,437.5) ──────
      //   A settles: 1·(1437.5 − 0) = 1437.5 of its own; it keeps its 500 from C. Total weight 15.
      await time.setNextBlockTimestamp(S + 5000);
      await expect(pools.connect(curator).remove(poolId, artA))
        .to.emit(pools, "ArtifactRemoved")
        .withArgs(poolId, artA, 1n);
      expect((await pools.pool(poolId)).index).to.equal(tokens("1437.5") * SCALE);
      expect((await pools.pool(poolId)).totalWeight).to.equal(15n);
      await expectClaimables("S+5000, after A's removal", {
        a1: "1162.5", // 0.6 · (1437.5 + 500) = 0.6 · 1937.5
        a2: "775", //    0.4 · 1937.5
        b1: "2887.5", // 0.6 · (3·1437.5 + 500) = 0.6 · 4812.5
        b2: "0",
        b2n: "150", //   0.4 · 4812.5 − 1775 = 1925 − 1775
        c1: "4350", //   0.75 · (4000 + 0.8 · 12·187.5) = 0.75 · 5800
        c2: "1450", //   0.25 · 5800
      });

      // ── 7. S+6500: c1 claims C, which settles it. 1,500 released over 15 = 100 (virtual index 1,537.5) ──────
      //   C: 12·(1537.5 − 1250) = 3450 → 690 upstream (A 345, B 345), kept 2760 → C total 6760
      //   c1: 0.75 · 6760 = 5070. A is no longer a member, and still receives its part.
      await time.setNextBlockTimestamp(S + 6500);
      const c1Claim = await claim("c1", 0, "5070");
      await expect(c1Claim)
        .to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, artC, artA, tokens(345) * SCALE)
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, artC, artB, tokens(345) * SCALE);
      await expectClaimables("S+6500, after c1's claim", {
        a1: "1369.5", // 0.6 · (1937.5 + 345) = 0.6 · 2282.5
        a2: "913", //    0.4 · 2282.5
        b1: "3274.5", // 0.6 · (3·1537.5 + 500 + 345) = 0.6 · 5457.5
        b2: "0",
        b2n: "408", //   0.4 · 5457.5 − 1775 = 2183 − 1775
        c1: "0",
        c2: "1690", //   0.25 · 6760
      });

      // ── 8. S+9000: the stream ended at S+8000; 3,000 released since S+5000 over 15 = 200 (index 1,637.5) ────
      //   C has 12·(1637.5 − 1537.5) = 1200 unsettled: kept 960, 240 still to flow up
      await time.increaseTo(S + 9000);
      await expectClaimables("S+9000, before settling C", {
        a1: "1369.5", // unchanged: A is out, and C's last 120 for A has not flowed yet
        a2: "913",
        b1: "3454.5", // 0.6 · (3·1637.5 + 845) = 0.6 · 5757.5
        b2: "0",
        b2n: "528", //   0.4 · 5757.5 − 1775 = 2303 − 1775
        c1: "720", //    0.75 · (6760 + 960) − 5070 = 5790 − 5070
        c2: "1930", //   0.25 · 7720
      });
      // Anyone settles C: 240 → A 120, B 120. The stored distribution also empties the stream. Settling B too
      // books its direct earnings (a member without parents otherwise keeps them implicit in its checkpoint).
      await expect(pools.connect(keeper).settle(poolId, [artC, artB], 1))
        .to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, artC, artA, tokens(120) * SCALE)
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, artC, artB, tokens(120) * SCALE);
      const settled = await pools.pool(poolId);
      expect([settled.index, settled.streaming, settled.carried]).to.deep.equal([
        tokens("1637.5") * SCALE,
        0n,
        0n,
      ]);
      // Earned so far, scaled: A 1437.5 + 500 + 345 + 120 = 2402.5; B 3·1637.5 + 500 + 345 + 120 = 5877.5;
      // C 4000 + 2760 + 960 = 7720. 2402.5 + 5877.5 + 7720 = 16,000 = everything funded.
      expect((await pools.member(poolId, artA)).earnedScaled).to.equal(tokens("2402.5") * SCALE);
      expect((await pools.member(poolId, artB)).earnedScaled).to.equal(tokens("5877.5") * SCALE);
      expect((await pools.member(poolId, artC)).earnedScaled).to.equal(tokens(7720) * SCALE);
      const finalClaimables: Table = {
        a1: "1441.5", // 0.6 · 2402.5
        a2: "961", //    0.4 · 2402.5
        b1: "3526.5", // 0.6 · 5877.5
        b2: "0",
        b2n: "576", //   0.4 · 5877.5 − 1775 = 2351 − 1775
        c1: "720",
        c2: "1930",
      };
      await expectClaimables("after settling C", finalClaimables);

      // ── 9. everyone claims what is left ───────────────────────────────────────────────────────────────────
      await claim("a1", 0, finalClaimables.a1);
      await claim("a2", 1, finalClaimables.a2);
      await claim("b1", 0, finalClaimables.b1);
      await claim("b2n", 1, finalClaimables.b2n);
      await claim("c1", 0, finalClaimables.c1);
      await claim("c2", 1, finalClaimables.c2);
      await expectClaimables("after all claims", {
        a1: "0",
        a2: "0",
        b1: "0",
        b2: "0",
        b2n: "0",
        c1: "0",
        c2: "0",
      });

      const finalBalances: Table = {
        a1: "1441.5",
        a2: "961",
        b1: "3526.5",
        b2: "1775", // claimed before the move; keeps it
        b2n: "576",
        c1: "5790", // 5070 + 720 = 0.75 · 7720
        c2: "1930",
      };
      let paid = 0n;
      for (const party of parties) {
        const [, signer] = artifactOf[party];
        expect(await token.balanceOf(signer), `balance of ${party}`).to.equal(tokens(finalBalances[party]));
        paid += tokens(finalBalances[party]);
      }
      // Σ paid = 1441.5 + 961 + 3526.5 + 1775 + 576 + 5790 + 1930 = 16,000 = Σ funded; no dust at all.
      expect(paid).to.equal(tokens(16_000));
      expect(await token.balanceOf(pools)).to.equal(0n);
      expect(await pools.claimed(poolId, artB, 1)).to.equal(tokens(2351)); // 1775 by b2 + 576 by b2n

      // ── 10. an odd tail: 100 wei over weight 15 (B 3, C 12) shows the rounding ───────────────────────────
      //   index delta = floor(100 · 2^40 / 15) = 7330077518506 (the division leaves 10 scaled units behind,
      //   1e-11 wei, which the pool rounds against the payees: carried stays 0)
      await pools.connect(funder).fund(poolId, 100n);
      const delta = 7330077518506n;
      expect((await pools.pool(poolId)).index).to.equal(tokens("1637.5") * SCALE + delta);
      expect((await pools.pool(poolId)).carried).to.equal(0n);
      await pools.connect(keeper).settle(poolId, [artC, artB], 1);
      //   B direct 3·delta = 21990232555518; C direct 12·delta = 87960930222072
      //   C upstream floor(87960930222072 · 0.2) = 17592186044414 → A 8796093022207, B 8796093022207
      //   C kept 87960930222072 − 17592186044414 = 70368744177658 (63.99999999999 wei)
      //   A: 8796093022207 (7.99999999999 wei): a1 floor(4.8) = 4, a2 floor(3.2) = 3
      //   B: 21990232555518 + 8796093022207 = 30786325577725 (27.99999999999 wei): b1 floor(16.8) = 16, b2n floor(11.2) = 11
      //   C: c1 floor(0.75 · 63.99999999999) = 47, c2 floor(0.25 · 63.99999999999) = 15
      const tail: [Party, number, bigint][] = [
        ["a1", 0, 4n],
        ["a2", 1, 3n],
        ["b1", 0, 16n],
        ["b2n", 1, 11n],
        ["c1", 0, 47n],
        ["c2", 1, 15n],
      ];
      for (const [party, slot, amount] of tail) {
        const [artifact, signer] = artifactOf[party];
        expect(await pools.claimable(poolId, artifact, signer), `tail claimable of ${party}`).to.equal(
          amount,
        );
        await expect(pools.connect(signer).claim(poolId, [target(artifact, slot)], signer))
          .to.emit(pools, "RewardsClaimed")
          .withArgs(poolId, artifact, signer.address, slot, signer.address, amount);
        paid += amount;
      }
      // Σ funded = 16,000 tokens + 100 wei; Σ paid = 16,000 tokens + 96 wei; the 4 wei left are the fractions
      // every floor dropped: A 7.99999999999 − 7, B 27.99999999999 − 27, C 63.99999999999 − 62, and the
      // 10 scaled units of the index division: (1 + 1 + 2) wei − 10/2^40 ≈ 3.99999999999 → 4 whole wei.
      const funded = tokens(16_000) + 100n;
      const dust = await token.balanceOf(pools);
      expect(paid + dust).to.equal(funded);
      expect(dust).to.equal(4n);
      expect((await pools.pool(poolId)).carried).to.equal(0n);
      for (const party of parties) {
        const [artifact, signer] = artifactOf[party];
        expect(await pools.claimable(poolId, artifact, signer)).to.equal(0n);
      }
      // The scaled books agree: Σ earned = Σ funded · 2^40 − 10, and the pool holds every unpaid fraction.
      const earned =
        (await pools.member(poolId, artA)).earnedScaled +
        (await pools.member(poolId, artB)).earnedScaled +
        (await pools.member(poolId, artC)).earnedScaled;
      expect(earned).to.equal(funded * SCALE - 10n);
      expect(dust * SCALE >= earned - paid * SCALE).to.equal(true);
      expect(dust * SCALE - (earned - paid * SCALE)).to.equal(10n);
    });

    it("keeps every balance to the wei over a story: two funders' streams (one cancelled), an instant fund, a delayed admission executed by a keeper, a claim to another recipient, a retracted parent", async function () {
      const fx = await loadFixture(scenarioFixture);
      const { registry, pools, token, deployer, curator, keeper, storyP, storyA, storyB, storyC } = fx;
      const { a1, a2, b1, c1, c2 } = fx;
      const F1 = fx.streamer; // streams 4,000 over 4,000 s, not cancelable
      const F2 = fx.outsider; // streams 8,000 over 4,000 s, cancelable, cancels after 1,000 s
      const F3 = fx.funder; // funds 2,000 at once
      const c1r = fx.b2n; // where c1 has its claim sent
      const p1 = fx.g1; // P's only contributor
      await token.connect(F3).transfer(F2, tokens(8000));
      const DELAY = 1000n;

      const parties = { F1, F2, F3, pools, a1, a2, b1, c1, c1r, c2, p1, curator, keeper, deployer };
      type Who = keyof typeof parties;
      const startBalances: Record<string, bigint> = {};
      for (const [name, who] of Object.entries(parties)) startBalances[name] = await token.balanceOf(who);
      /** Every party's balance change since the story began, in tokens; parties not listed changed by 0. */
      const expectBalances = async (label: string, table: Partial<Record<Who, string>>) => {
        const actual: Record<string, bigint> = {};
        const expected: Record<string, bigint> = {};
        for (const [name, who] of Object.entries(parties)) {
          actual[name] = (await token.balanceOf(who)) - startBalances[name];
          expected[name] = tokens(table[name as Who] ?? "0");
        }
        expect(actual, label).to.deep.equal(expected);
      };
      const claimableOf = async () => ({
        a1: await pools.claimable(poolId, storyA, a1),
        a2: await pools.claimable(poolId, storyA, a2),
        b1: await pools.claimable(poolId, storyB, b1),
        c1: await pools.claimable(poolId, storyC, c1),
        c2: await pools.claimable(poolId, storyC, c2),
        p1: await pools.claimable(poolId, storyP, p1),
      });
      const expectClaimables = async (
        label: string,
        t: Record<"a1" | "a2" | "b1" | "c1" | "c2" | "p1", string>,
      ) => {
        expect(await claimableOf(), label).to.deep.equal({
          a1: tokens(t.a1),
          a2: tokens(t.a2),
          b1: tokens(t.b1),
          c1: tokens(t.c1),
          c2: tokens(t.c2),
          p1: tokens(t.p1),
        });
      };

      // ── 0. a pool with a 1,000 s curation delay; A (weight 1) and C (weight 3) admitted through it ─────────────
      const poolId = await createPool(pools, curator, token, curator, DELAY);
      const T0 = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(T0);
      await expect(pools.connect(curator).admitMany(poolId, [storyA, storyC], [1, 3]))
        .to.emit(pools, "CurationAnnounced")
        .withArgs(poolId, 1n, T0 + DELAY, [
          [storyA, 1n, 0n],
          [storyC, 3n, 0n],
        ]);
      await time.setNextBlockTimestamp(T0 + DELAY);
      await expect(pools.connect(keeper).executeChange(poolId, 1))
        .to.emit(pools, "CurationExecuted")
        .withArgs(poolId, 1n, keeper.address);
      expect((await pools.pool(poolId)).totalWeight).to.equal(4n);

      // ── 1. S: F1 streams 4,000 over 4,000 s: 1 token per second (rate 2^32 · 10^18, no dust) ─────────────────
      const S = T0 + DELAY + 100n;
      await time.setNextBlockTimestamp(S);
      await pools.connect(F1).fundStream(poolId, tokens(4000), 4000, false, 0);
      await expectBalances("S: F1's stream", { F1: "-4000", pools: "4000" });

      // ── 2. S+500: F3 funds 2,000 at once over weight 4 (500 per unit); 500 streamed (125 per unit) ───────────────
      await time.setNextBlockTimestamp(S + 500n);
      await expect(pools.connect(F3).fund(poolId, tokens(2000)))
        .to.emit(pools, "PoolFunded")
        .withArgs(poolId, F3.address, tokens(2000), tokens(2000));
      await expectBalances("S+500: instant fund", { F1: "-4000", F3: "-2000", pools: "6000" });
      //   index 625: A 625 (a1 0.6·625, a2 0.4·625); C 3·625 = 1875, its 80 % 1500 (c1 0.75·1500, c2 0.25·1500)
      await expectClaimables("S+500", { a1: "375", a2: "250", b1: "0", c1: "1125", c2: "375", p1: "0" });

      // ── 3. S+1000: F2 streams 8,000 over 4,000 s, cancelable: 2 tokens per second, ends S+5000 ────────────────
      await time.setNextBlockTimestamp(S + 1000n);
      await pools.connect(F2).fundStream(poolId, tokens(8000), 4000, true, 0);
      await expectBalances("S+1000: F2's stream", { F1: "-4000", F2: "-8000", F3: "-2000", pools: "14000" });

      // ── 4. S+1500: the curator announces B's admission with weight 4, due at S+2500 ─────────────────────────────
      await time.setNextBlockTimestamp(S + 1500n);
      await expect(pools.connect(curator).admit(poolId, storyB, 4))
        .to.emit(pools, "CurationAnnounced")
        .withArgs(poolId, 2n, S + 2500n, [[storyB, 4n, 0n]]);

      // ── 5. S+2000: F2 cancels after 1,000 of 4,000 s: released 2 · 1000 = 2000 (exact), refunded 6,000 ─────────
      await time.setNextBlockTimestamp(S + 2000n);
      await expect(pools.connect(F2).cancelStream(poolId, S + 1000n, S + 5000n))
        .to.emit(pools, "StreamCancelled")
        .withArgs(
          poolId,
          streamIdOf(F2.address, S + 1000n, S + 5000n, true),
          F2.address,
          tokens(2000),
          tokens(6000),
        );
      await expectBalances("S+2000: F2 cancelled", { F1: "-4000", F2: "-2000", F3: "-2000", pools: "8000" });

      // ── 6. S+2500: not before; then a keeper executes B's admission. Released by now over weight 4: ─────────────
      //   F1 2500 + F3 2000 + F2 2000 = 6500 → index 1625
      await time.setNextBlockTimestamp(S + 2499n);
      await expect(pools.connect(keeper).executeChange(poolId, 2))
        .to.be.revertedWithCustomError(pools, "ChangeNotDue")
        .withArgs(2n, S + 2500n);
      await time.setNextBlockTimestamp(S + 2500n);
      await expect(pools.connect(keeper).executeChange(poolId, 2))
        .to.emit(pools, "ArtifactAdmitted")
        .withArgs(poolId, storyB, 4n)
        .and.to.emit(pools, "CurationExecuted")
        .withArgs(poolId, 2n, keeper.address);
      expect((await pools.pool(poolId)).index).to.equal(tokens(1625) * SCALE);
      //   A 1625 (a1 975, a2 650); C 3·1625 = 4875, 80 % = 3900 (c1 2925, c2 975); B nothing yet
      await expectClaimables("S+2500", { a1: "975", a2: "650", b1: "0", c1: "2925", c2: "975", p1: "0" });

      // ── 7. S+2800: the keeper settles C. Index 1625 + 300/8 = 1662.5. C direct 3·1662.5 = 4987.5: ───────────────
      //   20 % = 997.5 upstream, halves to A and P: 498.75 each; C keeps 3990
      await time.setNextBlockTimestamp(S + 2800n);
      await expect(pools.connect(keeper).settle(poolId, [storyC], 1))
        .to.emit(pools, "ArtifactSettled")
        .withArgs(poolId, storyC, tokens("1662.5") * SCALE, tokens(3990) * SCALE, tokens("997.5") * SCALE)
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, storyC, storyA, tokens("498.75") * SCALE)
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, storyC, storyP, tokens("498.75") * SCALE);
      //   A 1662.5 + 498.75 = 2161.25 (a1 1296.75, a2 864.5); B 4·37.5 = 150; C 3990 (c1 2992.5, c2 997.5); P 498.75
      await expectClaimables("S+2800", {
        a1: "1296.75",
        a2: "864.5",
        b1: "150",
        c1: "2992.5",
        c2: "997.5",
        p1: "498.75",
      });

      // ── 8. S+3000: P's owner retracts it. Index 1662.5 + 200/8 = 1687.5 ───────────────────────────────────────────
      //   C unsettled: 3·25 = 75 → keeps 60, and P's half of the 15 upstream (7.5) stays with C: 3990 + 67.5
      //   A 1687.5 + 498.75 = 2186.25 (its 7.5 from C shows once C is settled); B 4·62.5 = 250; P keeps its 498.75
      await time.setNextBlockTimestamp(S + 3000n);
      await registry.connect(deployer).retract(storyP, "withdrawn");
      await expectClaimables("S+3000, P retracted", {
        a1: "1311.75",
        a2: "874.5",
        b1: "250",
        c1: "3043.125", // 0.75 · 4057.5
        c2: "1014.375", // 0.25 · 4057.5
        p1: "498.75",
      });

      // ── 9. S+3500: c1 claims C, sent to c1r. Index 1750. C direct 3·87.5 = 262.5 → upstream 52.5: ───────────────
      //   A 26.25 flows, P's 26.25 is withheld; C keeps 210 + 26.25 = 236.25 → 4226.25; c1 0.75 · 4226.25
      await time.setNextBlockTimestamp(S + 3500n);
      const claimTo = pools.connect(c1).claim(poolId, [target(storyC, 0)], c1r);
      await expect(claimTo)
        .to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, storyC, c1.address, 0n, c1r.address, tokens("3169.6875"))
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, storyC, storyA, tokens("26.25") * SCALE)
        .and.to.emit(pools, "UpstreamWithheld")
        .withArgs(poolId, storyC, storyP, tokens("26.25") * SCALE)
        .and.to.emit(pools, "ArtifactSettled")
        .withArgs(poolId, storyC, tokens(1750) * SCALE, tokens("236.25") * SCALE, tokens("26.25") * SCALE);
      await expectBalances("S+3500: c1's claim to c1r", {
        F1: "-4000",
        F2: "-2000",
        F3: "-2000",
        pools: "4830.3125", // 8000 − 3169.6875
        c1r: "3169.6875",
      });
      //   A 1750 + 498.75 + 26.25 = 2275 (a1 1365, a2 910); B 4·125 = 500; C 0.25 · 4226.25 left for c2
      await expectClaimables("S+3500", {
        a1: "1365",
        a2: "910",
        b1: "500",
        c1: "0",
        c2: "1056.5625",
        p1: "498.75",
      });

      // ── 10. S+5000: F1's stream ended at S+4000 (index 1812.5). The keeper settles C: direct 3·62.5 = 187.5 → ─────
      //   upstream 37.5: A 18.75, P's 18.75 withheld; C keeps 150 + 18.75 → 4395. Then everyone claims.
      await time.setNextBlockTimestamp(S + 5000n);
      await expect(pools.connect(keeper).settle(poolId, [storyC], 1))
        .to.emit(pools, "UpstreamWithheld")
        .withArgs(poolId, storyC, storyP, tokens("18.75") * SCALE)
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, storyC, storyA, tokens("18.75") * SCALE);
      //   A 1812.5 + 498.75 + 26.25 + 18.75 = 2356.25; B 4·187.5 = 750; C 4395; P 498.75. Σ = 8000 = 4000 + 2000 + 2000.
      const final = { a1: "1413.75", a2: "942.5", b1: "750", c1: "126.5625", c2: "1098.75", p1: "498.75" };
      await expectClaimables("S+5000, settled", final);
      for (const [who, artifact, slot, amount] of [
        [a1, storyA, 0, final.a1],
        [a2, storyA, 1, final.a2],
        [b1, storyB, 0, final.b1],
        [c1, storyC, 0, final.c1],
        [c2, storyC, 1, final.c2],
        [p1, storyP, 0, final.p1],
      ] as const) {
        await expect(pools.connect(who).claim(poolId, [target(artifact, slot)], who))
          .to.emit(pools, "RewardsClaimed")
          .withArgs(poolId, artifact, who.address, slot, who.address, tokens(amount));
      }
      await expectBalances("the end: everything paid", {
        F1: "-4000", // its whole stream went to the members
        F2: "-2000", // 8000 in, 6000 back
        F3: "-2000",
        pools: "0",
        a1: "1413.75", // 0.6 · 2356.25
        a2: "942.5", //   0.4 · 2356.25
        b1: "750", //     4 · 187.5
        c1: "126.5625", // 0.75 · 4395 − 3169.6875 sent to c1r
        c1r: "3169.6875",
        c2: "1098.75", // 0.25 · 4395
        p1: "498.75", //  what P was owed before its retraction
      });
      expect(await token.balanceOf(pools)).to.equal(0n);
      const state = await pools.pool(poolId);
      expect([state.streaming, state.carried, state.rate]).to.deep.equal([0n, 0n, 0n]);
    });

    it("moves upstream flow one lineage step per settlement; a parent's own part waits until it is settled", async function () {
      const { pools, token, curator, funder, keeper, a1, a2, b1, b2, c1, c2, g1, artA, artB, artC, artG } =
        await loadFixture(scenarioFixture);
      const poolId = await createPool(pools, curator, token, curator);
      await pools.connect(curator).admit(poolId, artG, 1);
      await pools.connect(funder).fund(poolId, tokens(1000));

      // Step 1: G settles. 1000 direct, 50 % = 500 to C. C passes 20 % on: 400 kept by C, 100 pending in C.
      await expect(pools.connect(keeper).settle(poolId, [artG], 1))
        .to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, artG, artC, tokens(500) * SCALE);
      const c = await pools.member(poolId, artC);
      expect([c.weight, c.earnedScaled, c.pendingUpstreamScaled]).to.deep.equal([
        0n,
        tokens(400) * SCALE,
        tokens(100) * SCALE,
      ]);
      expect((await pools.member(poolId, artA)).earnedScaled).to.equal(0n);
      expect(await pools.claimable(poolId, artA, a1)).to.equal(0n);

      // Step 2: a claim on C settles C: the pending 100 flows to A and B, 50 each.
      const tx = pools.connect(c1).claim(poolId, [target(artC, 0)], c1);
      await expect(tx)
        .to.emit(pools, "RewardsClaimed")
        .withArgs(poolId, artC, c1.address, 0n, c1.address, tokens(300)) // 0.75 · 400
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, artC, artA, tokens(50) * SCALE)
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, artC, artB, tokens(50) * SCALE);
      expect((await pools.member(poolId, artC)).pendingUpstreamScaled).to.equal(0n);

      // Everyone: g1 500, c1 300, c2 100, a1 30, a2 20, b1 30, b2 20 = 1000.
      const expected: [typeof a1, string, number, bigint][] = [
        [g1, artG, 0, tokens(500)],
        [c2, artC, 1, tokens(100)],
        [a1, artA, 0, tokens(30)],
        [a2, artA, 1, tokens(20)],
        [b1, artB, 0, tokens(30)],
        [b2, artB, 1, tokens(20)],
      ];
      for (const [signer, artifact, slot, amount] of expected) {
        expect(await pools.claimable(poolId, artifact, signer)).to.equal(amount);
        await expect(
          pools.connect(signer).claim(poolId, [target(artifact, slot)], signer),
        ).to.changeTokenBalances(token, [pools, signer], [-amount, amount]);
      }
      expect(await token.balanceOf(pools)).to.equal(0n);
    });
  });
});
