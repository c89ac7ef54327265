import { expect } from "chai";

import { PoolsReducer, ReducerMismatch, SCALE, type ReducerLog } from "../../src/poolsReducer";

/** Hand-made logs: the reducer is pure, so no chain is needed to check it. An idle pool (no stream running or
 * due) stores no accrual, so these logs have PoolAccrued only while a stream runs. */
const TOKEN = "0x00000000000000000000000000000000000000aa";
const CURATOR = "0x00000000000000000000000000000000000000c0";
const FUNDER = "0x00000000000000000000000000000000000000f0";
const X = "0x0000000000000000000000000000000000000001";
const Y = "0x0000000000000000000000000000000000000002";
const Z = "0x0000000000000000000000000000000000000003";
const A = "0x" + "a1".repeat(32);
const B = "0x" + "b2".repeat(32);
const STREAM = "0x" + "5e".repeat(32);

let position = 0;
function log(
  source: ReducerLog["source"],
  timestamp: number,
  name: string,
  args: Record<string, unknown>,
): ReducerLog {
  position++;
  return { source, name, args, blockNumber: timestamp, logIndex: position, timestamp: BigInt(timestamp) };
}

function setup(): ReducerLog[] {
  position = 0;
  return [
    log("pools", 1000, "PoolCreated", {
      poolId: 1n,
      token: TOKEN,
      curator: CURATOR,
      creator: CURATOR,
      curationDelay: 0n,
    }),
    log("registry", 1000, "ArtifactRegistered", {
      digest: A,
      contributors: [
        { account: X, share: 3n },
        { account: Y, share: 1n },
      ],
      parents: [],
      upstreamBps: 0n,
    }),
    log("registry", 1000, "ArtifactRegistered", {
      digest: B,
      contributors: [{ account: Z, share: 1n }],
      parents: [A],
      upstreamBps: 5000n,
    }),
    log("pools", 1010, "ArtifactAdmitted", { poolId: 1n, artifact: A, weight: 3n }),
    log("pools", 1010, "ArtifactAdmitted", { poolId: 1n, artifact: B, weight: 1n }),
    log("pools", 1020, "PoolFunded", { poolId: 1n, funder: FUNDER, amount: 1000n, received: 1000n }),
    log("pools", 1030, "StreamCreated", {
      poolId: 1n,
      streamId: STREAM,
      funder: FUNDER,
      amount: 100n,
      received: 100n,
      start: 1030n,
      end: 1130n,
      cancelable: true,
    }),
  ];
}

// 262.5, 131.25 and 787.5 times SCALE.
const I_1080 = 525n << 39n;
const QUARTER_B = 525n << 38n;

describe("poolsReducer", function () {
  it("rebuilds pool, member, stream and claimable views from a hand-made log", function () {
    const r = new PoolsReducer();
    r.apply(setup());
    // At 1080 half the stream (50) is released: 12.5 per unit of weight more.
    expect(r.pool(1n, 1080n)).to.deep.equal({
      token: TOKEN,
      curator: CURATOR,
      pendingCurator: "0x0000000000000000000000000000000000000000",
      curationDelay: 0n,
      totalWeight: 4n,
      index: I_1080,
      lastUpdate: 1080n,
      rate: 1n << 32n,
      nextStreamEnd: 1130n,
      streaming: 50n,
      carried: 0n,
      changeCount: 0n,
    });
    expect(r.member(1n, A)).to.deep.equal({
      weight: 3n,
      checkpoint: 0n,
      earnedScaled: 0n,
      pendingUpstreamScaled: 0n,
      upstreamBps: 0n,
      totalShares: 4n,
    });
    // A: 787.5 × 3/4 = 590.625 and × 1/4 = 196.875; B keeps half of 262.5.
    expect(r.claimableBySlot(1n, A, 0, 1080n)).to.equal(590n);
    expect(r.claimableBySlot(1n, A, 1, 1080n)).to.equal(196n);
    expect(r.claimable(1n, B, Z, 1080n)).to.equal(131n);
    expect(r.claimable(1n, B, X, 1080n)).to.equal(0n);
    const [stream] = r.streams(1n, 1080n);
    expect(stream).to.include({ funder: FUNDER, amount: 100n, start: 1030n, end: 1130n, cancelable: true });
    expect(stream.released).to.equal(50n);
    expect(stream.status).to.equal("running");
    expect(r.streams(1n, 1130n)[0].status).to.equal("ended");
    expect(r.streamEndHint(1n, 1200n)).to.equal(1130n);
    expect(r.streamEndHint(1n, 1130n)).to.equal(0n);
    expect(r.earnings(X, 1080n)).to.deep.equal([
      { poolId: 1n, token: TOKEN, artifact: A, slot: 0n, claimable: 590n, claimed: 0n },
    ]);
  });

  it("follows a cancel, a settlement with upstream flow and a claim, applied in two batches", function () {
    const r = new PoolsReducer();
    const logs = setup();
    r.apply(logs.slice(0, 5));
    const more = [
      log("pools", 1080, "PoolAccrued", { poolId: 1n, index: I_1080, lastUpdate: 1080n, carried: 0n }),
      log("pools", 1080, "StreamCancelled", {
        poolId: 1n,
        streamId: STREAM,
        funder: FUNDER,
        released: 50n,
        refunded: 50n,
      }),
      log("pools", 1090, "PoolAccrued", { poolId: 1n, index: I_1080, lastUpdate: 1090n, carried: 0n }),
      log("pools", 1090, "UpstreamFlowed", { poolId: 1n, child: B, parent: A, scaledAmount: QUARTER_B }),
      log("pools", 1090, "ArtifactSettled", {
        poolId: 1n,
        artifact: B,
        index: I_1080,
        keptScaled: QUARTER_B,
        outflowScaled: QUARTER_B,
      }),
      log("pools", 1090, "RewardsClaimed", {
        poolId: 1n,
        artifact: A,
        account: X,
        slot: 0n,
        recipient: X,
        amount: 689n,
      }),
    ];
    // The first batch again (skipped: at or before the cursor), then the rest.
    r.apply([...logs, ...more]);
    expect(r.applied).to.equal(logs.length + more.length);
    const pool = r.pool(1n, 2000n);
    expect(pool.rate).to.equal(0n);
    expect(pool.streaming).to.equal(0n);
    expect(pool.index).to.equal(I_1080);
    expect(r.member(1n, B)).to.deep.include({
      checkpoint: I_1080,
      earnedScaled: QUARTER_B,
      pendingUpstreamScaled: 0n,
    });
    expect(r.member(1n, A).earnedScaled).to.equal(QUARTER_B);
    // (787.5 + 131.25) × 3/4 = 689.0625, all claimed; slot 1 gets 229.6875.
    expect(r.claimed(1n, A, 0)).to.equal(689n);
    expect(r.claimableBySlot(1n, A, 0, 2000n)).to.equal(0n);
    expect(r.claimableBySlot(1n, A, 1, 2000n)).to.equal(229n);
    // Of A's 918.75 earned, 131.25 came from B: 229 × 131.25 / 918.75 = 32.71 of slot 1's claimable.
    expect(r.claimableFromDerivatives(1n, A, 1, 2000n)).to.equal(32n);
    expect(r.claimableFromDerivatives(1n, A, 0, 2000n)).to.equal(0n);
    expect(r.claimableFromDerivatives(1n, B, 0, 2000n)).to.equal(0n);
    const [stream] = r.streams(1n, 2000n);
    expect(stream).to.include({ status: "cancelled", released: 50n, refunded: 50n });
  });

  it("shows a retracted parent's part as the child's, and delayed changes until executed", function () {
    const r = new PoolsReducer();
    r.apply(setup());
    r.apply([
      log("registry", 1040, "ArtifactRetracted", { digest: A, reason: "x" }),
      log("pools", 1050, "PoolCreated", {
        poolId: 2n,
        token: TOKEN,
        curator: CURATOR,
        creator: CURATOR,
        curationDelay: 60n,
      }),
      log("pools", 1050, "CurationAnnounced", {
        poolId: 2n,
        changeId: 1n,
        executeAfter: 1110n,
        ops: [{ artifact: B, weight: 7n, action: 0n }],
      }),
    ]);
    // B keeps its whole 262.5 at 1080 when its only parent is retracted.
    expect(r.claimable(1n, B, Z, 1080n)).to.equal(262n);
    expect(r.pendingChanges(2n)).to.deep.equal([
      { changeId: 1n, executeAfter: 1110n, ops: [{ artifact: B, weight: 7n, action: "Admit" }] },
    ]);
    r.apply([
      log("pools", 1110, "ArtifactAdmitted", { poolId: 2n, artifact: B, weight: 7n }),
      log("pools", 1110, "CurationExecuted", { poolId: 2n, changeId: 1n, executor: X }),
    ]);
    expect(r.pendingChanges(2n)).to.deep.equal([]);
    expect(r.pool(2n, 1110n).totalWeight).to.equal(7n);
    expect(r.pool(2n, 1110n).changeCount).to.equal(1n);
  });

  it("books a fully withheld settlement logged without ArtifactSettled (contracts before 4b5c734)", function () {
    const r = new PoolsReducer();
    const C = "0x" + "c3".repeat(32);
    const logs = setup().slice(0, 3);
    const I = 1000n * SCALE;
    r.apply([
      ...logs,
      log("registry", 1000, "ArtifactRegistered", {
        digest: C,
        contributors: [{ account: X, share: 1n }],
        parents: [B],
        upstreamBps: 10_000n,
      }),
      log("pools", 1010, "ArtifactAdmitted", { poolId: 1n, artifact: C, weight: 1n }),
      log("pools", 1020, "PoolFunded", { poolId: 1n, funder: FUNDER, amount: 1000n, received: 1000n }),
      // settle([C]): all of C's 1000 flows to B, which keeps half and owes A the other half.
      log("pools", 1030, "UpstreamFlowed", { poolId: 1n, child: C, parent: B, scaledAmount: I }),
      log("pools", 1030, "ArtifactSettled", {
        poolId: 1n,
        artifact: C,
        index: I,
        keptScaled: 0n,
        outflowScaled: I,
      }),
      log("registry", 1040, "ArtifactRetracted", { digest: A, reason: "x" }),
      // settle([B]): B has no weight, so only its pending half moves, and A's part stays with B.
      log("pools", 1050, "UpstreamWithheld", { poolId: 1n, child: B, parent: A, scaledAmount: I / 2n }),
    ]);
    expect(r.member(1n, B)).to.deep.equal({
      weight: 0n,
      checkpoint: 0n,
      earnedScaled: I,
      pendingUpstreamScaled: 0n,
      upstreamBps: 5000n,
      totalShares: 1n,
    });
    expect(r.claimable(1n, B, Z, 1050n)).to.equal(1000n);
    expect(r.claimable(1n, C, X, 1050n)).to.equal(0n);
  });

  it("throws when a PoolAccrued event differs from the recomputed accrual", function () {
    const r = new PoolsReducer();
    r.apply(setup());
    const wrong = log("pools", 1080, "PoolAccrued", {
      poolId: 1n,
      index: I_1080 + 1n,
      lastUpdate: 1080n,
      carried: 0n,
    });
    expect(() => r.apply([wrong])).to.throw(
      ReducerMismatch,
      `recomputed accrual (index ${I_1080}, lastUpdate 1080, carried 0) differs from the event (index ${I_1080 + 1n}`,
    );
  });
});
