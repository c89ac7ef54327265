/**
 * Event handlers: rows for artifacts, contributors, lineage, pools and members, and the raw logs the pools'
 * reducer needs (see ../ponder.schema.ts). Handlers only record what the events say; everything computed (pool
 * views, claimable) is the reducer's, in the API.
 */
import { ponder } from "ponder:registry";
import {
  artifact,
  contributor,
  lineage,
  member,
  pool,
  program,
  programClaim,
  programPost,
  reducerLog,
} from "ponder:schema";

import { RewardPools__factory } from "../../typechain-types/factories/contracts/RewardPools__factory";
import { programs } from "../settings";

type Hex = `0x${string}`;
const ZERO = "0x0000000000000000000000000000000000000000";

/** JSON-safe copy of decoded args: bigints become decimal strings (the reducer reads them with BigInt). */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

interface AnyEvent {
  args: Record<string, unknown>;
  block: { number: bigint; timestamp: bigint };
  log: { logIndex: number };
  transaction: { hash: Hex };
}

async function keepLog(
  db: {
    insert: (t: typeof reducerLog) => { values: (v: typeof reducerLog.$inferInsert) => Promise<unknown> };
  },
  source: "pools" | "registry",
  name: string,
  event: AnyEvent,
) {
  await db.insert(reducerLog).values({
    id: `${event.block.number}:${event.log.logIndex}`,
    source,
    name,
    args: plain(event.args) as object,
    blockNumber: event.block.number,
    logIndex: event.log.logIndex,
    timestamp: event.block.timestamp,
  });
}

// ── KnowledgeRegistry ────────────────────────────────────────────────────────────────────────────────────────

ponder.on("KnowledgeRegistry:ArtifactRegistered", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(artifact).values({
    digest: a.digest,
    owner: a.owner,
    kind: Number(a.kind),
    scheme: Number(a.scheme),
    uri: a.uri,
    upstreamBps: Number(a.upstreamBps),
    minUpstreamBps: Number(a.minUpstreamBps),
    totalShares: a.contributors.reduce((s, c) => s + BigInt(c.share), 0n),
    parentCount: a.parents.length,
    retracted: false,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
  if (a.contributors.length > 0) {
    await context.db.insert(contributor).values(
      a.contributors.map((c, slot) => ({
        id: `${a.digest}:${slot}`,
        digest: a.digest,
        slot,
        account: c.account,
        share: BigInt(c.share),
      })),
    );
  }
  if (a.parents.length > 0) {
    await context.db.insert(lineage).values(
      a.parents.map((parent, position) => ({
        id: `${a.digest}:${position}`,
        child: a.digest,
        parent,
        position,
      })),
    );
  }
  await keepLog(context.db as never, "registry", "ArtifactRegistered", event as unknown as AnyEvent);
});

ponder.on("KnowledgeRegistry:VersionLinked", async ({ event, context }) => {
  await context.db.update(artifact, { digest: event.args.digest }).set({ previous: event.args.previous });
});

ponder.on("KnowledgeRegistry:URIUpdated", async ({ event, context }) => {
  await context.db.update(artifact, { digest: event.args.digest }).set({ uri: event.args.uri });
});

ponder.on("KnowledgeRegistry:ArtifactRetracted", async ({ event, context }) => {
  await context.db
    .update(artifact, { digest: event.args.digest })
    .set({ retracted: true, retractReason: event.args.reason });
  await keepLog(context.db as never, "registry", "ArtifactRetracted", event as unknown as AnyEvent);
});

ponder.on("KnowledgeRegistry:ContributorSlotMoved", async ({ event, context }) => {
  const { digest, slot, to } = event.args;
  await context.db.update(contributor, { id: `${digest}:${slot}` }).set({ account: to });
  await keepLog(context.db as never, "registry", "ContributorSlotMoved", event as unknown as AnyEvent);
});

// The mint's Transfer comes before ArtifactRegistered creates the row; later transfers move ownership.
ponder.on("KnowledgeRegistry:Transfer", async ({ event, context }) => {
  if (event.args.from === ZERO) return;
  const digest = `0x${event.args.tokenId.toString(16).padStart(64, "0")}` as Hex;
  await context.db.update(artifact, { digest }).set({ owner: event.args.to });
});

// ── RewardPools: every event is kept for the reducer; some also update rows ──────────────────────────────────

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = { db: any };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = Record<string, any>;

const poolRows: Record<string, (a: Args, event: AnyEvent, context: Ctx) => Promise<void>> = {
  async PoolCreated(a, event, { db }) {
    await db.insert(pool).values({
      poolId: a.poolId,
      token: a.token,
      curator: a.curator,
      creator: a.creator,
      curationDelay: a.curationDelay,
      totalWeight: 0n,
      funded: 0n,
      claimed: 0n,
      blockNumber: event.block.number,
      timestamp: event.block.timestamp,
    });
  },
  async ArtifactAdmitted({ poolId, artifact: digest, weight }, _e, { db }) {
    await db
      .insert(member)
      .values({ id: `${poolId}:${digest}`, poolId, artifact: digest, weight })
      .onConflictDoUpdate({ weight });
    await db
      .update(pool, { poolId })
      .set((row: { totalWeight: bigint }) => ({ totalWeight: row.totalWeight + weight }));
  },
  async WeightChanged({ poolId, artifact: digest, oldWeight, newWeight }, _e, { db }) {
    await db.update(member, { id: `${poolId}:${digest}` }).set({ weight: newWeight });
    await db
      .update(pool, { poolId })
      .set((row: { totalWeight: bigint }) => ({ totalWeight: row.totalWeight + newWeight - oldWeight }));
  },
  async ArtifactRemoved({ poolId, artifact: digest, oldWeight }, _e, { db }) {
    await db.update(member, { id: `${poolId}:${digest}` }).set({ weight: 0n });
    await db
      .update(pool, { poolId })
      .set((row: { totalWeight: bigint }) => ({ totalWeight: row.totalWeight - oldWeight }));
  },
  async PoolFunded({ poolId, received }, _e, { db }) {
    await db.update(pool, { poolId }).set((row: { funded: bigint }) => ({ funded: row.funded + received }));
  },
  async StreamCreated({ poolId, received }, _e, { db }) {
    await db.update(pool, { poolId }).set((row: { funded: bigint }) => ({ funded: row.funded + received }));
  },
  async RewardsClaimed({ poolId, amount }, _e, { db }) {
    await db.update(pool, { poolId }).set((row: { claimed: bigint }) => ({ claimed: row.claimed + amount }));
  },
  async CuratorProposed({ poolId, proposed }, _e, { db }) {
    await db.update(pool, { poolId }).set({ pendingCurator: proposed });
  },
  async CuratorTransferred({ poolId, curator }, _e, { db }) {
    await db.update(pool, { poolId }).set({ curator, pendingCurator: null });
  },
};

for (const item of RewardPools__factory.abi) {
  if (item.type !== "event") continue;
  const name = item.name;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (ponder.on as any)(`RewardPools:${name}`, async ({ event, context }: { event: AnyEvent; context: Ctx }) => {
    await keepLog(context.db, "pools", name, event);
    await poolRows[name]?.(event.args, event, context);
  });
}

// ── ScoredPrograms: rows only (the API promotes a matured pending root at query time, as the contract's view) ─

const programRows: Record<string, (a: Args, event: AnyEvent, context: Ctx) => Promise<void>> = {
  async ProgramCreated(a, event, { db }) {
    await db.insert(program).values({
      programId: a.programId,
      token: a.token,
      scorer: a.scorer,
      guardian: a.guardian,
      creator: a.creator,
      disputeWindow: a.disputeWindow,
      received: 0n,
      claimed: 0n,
      activeEpoch: 0n,
      activeTotal: 0n,
      blockNumber: event.block.number,
      timestamp: event.block.timestamp,
    });
  },
  async ProgramFunded({ programId, received }, _e, { db }) {
    await db
      .update(program, { programId })
      .set((row: { received: bigint }) => ({ received: row.received + received }));
  },
  async RootPosted(a, event, { db }) {
    const id = `${a.programId}:${event.block.number}:${event.log.logIndex}`;
    await db.insert(programPost).values({
      id,
      programId: a.programId,
      epoch: a.epoch,
      root: a.root,
      cumulativeTotal: a.cumulativeTotal,
      validAt: a.validAt,
      usageHash: a.usageHash,
      usageURI: a.usageURI,
      allocationHash: a.allocationHash,
      allocationURI: a.allocationURI,
      status: "pending",
      blockNumber: event.block.number,
      timestamp: event.block.timestamp,
      txHash: event.transaction.hash,
    });
    await db.update(program, { programId: a.programId }).set({ pendingPost: id });
  },
  async PendingRootReplaced({ programId }, _e, { db }) {
    await endPending(db, programId, "replaced");
  },
  async RootVetoed({ programId }, _e, { db }) {
    await endPending(db, programId, "vetoed");
  },
  async RootActivated({ programId, epoch, root, cumulativeTotal }, _e, { db }) {
    const row = await db.find(program, { programId });
    if (row.activePost) await db.update(programPost, { id: row.activePost }).set({ status: "superseded" });
    if (row.pendingPost) await db.update(programPost, { id: row.pendingPost }).set({ status: "active" });
    await db.update(program, { programId }).set({
      activeEpoch: epoch,
      activeRoot: root,
      activeTotal: cumulativeTotal,
      activePost: row.pendingPost,
      pendingPost: null,
    });
  },
  async RewardsClaimed({ programId, account, recipient, amount, cumulativeClaimed }, event, { db }) {
    await db
      .update(program, { programId })
      .set((row: { claimed: bigint }) => ({ claimed: row.claimed + amount }));
    await db
      .insert(programClaim)
      .values({
        id: `${programId}:${account.toLowerCase()}`,
        programId,
        account: account.toLowerCase(),
        claimed: cumulativeClaimed,
        lastRecipient: recipient.toLowerCase(),
        blockNumber: event.block.number,
      })
      .onConflictDoUpdate({
        claimed: cumulativeClaimed,
        lastRecipient: recipient.toLowerCase(),
        blockNumber: event.block.number,
      });
  },
  async ScorerProposed({ programId, proposed }, _e, { db }) {
    await db.update(program, { programId }).set({ pendingScorer: proposed === ZERO ? null : proposed });
  },
  async ScorerTransferred({ programId, scorer }, _e, { db }) {
    await db.update(program, { programId }).set({ scorer, pendingScorer: null });
  },
  async GuardianProposed({ programId, proposed }, _e, { db }) {
    await db.update(program, { programId }).set({ pendingGuardian: proposed === ZERO ? null : proposed });
  },
  async GuardianTransferred({ programId, guardian }, _e, { db }) {
    await db.update(program, { programId }).set({ guardian, pendingGuardian: null });
  },
};

/** The pending post ends (replaced by a new post, or vetoed); the program has no pending root until the next. */
async function endPending(db: Ctx["db"], programId: bigint, status: "replaced" | "vetoed") {
  const row = await db.find(program, { programId });
  if (row?.pendingPost) await db.update(programPost, { id: row.pendingPost }).set({ status });
  await db.update(program, { programId }).set({ pendingPost: null });
}

// Ponder refuses handlers of a contract its config lacks: only with a programs address (settings.ts).
if (programs) {
  for (const name of Object.keys(programRows)) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (ponder.on as any)(
      `ScoredPrograms:${name}`,
      async ({ event, context }: { event: AnyEvent; context: Ctx }) => {
        await programRows[name]!(event.args, event, context);
      },
    );
  }
}
