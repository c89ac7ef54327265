import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import { SCALE, createPool, deploySuite, registerArtifact, target, tokens } from "./helpers/pools";

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

  await token.connect(funder).approve(pools, ethers.MaxUint256);
  await token.connect(streamer).approve(pools, ethers.MaxUint256);
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
      await expect(pools.connect(streamer).fundStream(poolId, tokens(8000), 8000))
        .to.emit(pools, "StreamFunded")
        .withArgs(poolId, streamer.address, tokens(8000), tokens(8000), tokens(8000), S + 8000);

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
      await expect(pools.connect(keeper).settle(poolId, [artC, artB]))
        .to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, artC, artA, tokens(120) * SCALE)
        .and.to.emit(pools, "UpstreamFlowed")
        .withArgs(poolId, artC, artB, tokens(120) * SCALE);
      const settled = await pools.pool(poolId);
      expect([settled.index, settled.streamRemaining, settled.carried]).to.deep.equal([
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
      await pools.connect(keeper).settle(poolId, [artC, artB]);
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

    it("moves upstream flow one lineage step per settlement; a parent's own part waits until it is settled", async function () {
      const { pools, token, curator, funder, keeper, a1, a2, b1, b2, c1, c2, g1, artA, artB, artC, artG } =
        await loadFixture(scenarioFixture);
      const poolId = await createPool(pools, curator, token, curator);
      await pools.connect(curator).admit(poolId, artG, 1);
      await pools.connect(funder).fund(poolId, tokens(1000));

      // Step 1: G settles. 1000 direct, 50 % = 500 to C. C passes 20 % on: 400 kept by C, 100 pending in C.
      await expect(pools.connect(keeper).settle(poolId, [artG]))
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
