/**
 * Tables of the index. Artifacts, contributors, lineage, pools and members are kept as rows (GraphQL at /graphql,
 * SQL at /sql); every log the pools' reducer needs is also kept as it came (`reducer_log`), so the API rebuilds
 * pool views and claimable amounts with src/poolsReducer.ts, the contract's own arithmetic.
 */
import { index, onchainTable } from "ponder";

export const artifact = onchainTable(
  "artifact",
  (t) => ({
    digest: t.hex().primaryKey(),
    owner: t.hex().notNull(),
    kind: t.integer().notNull(),
    scheme: t.integer().notNull(),
    uri: t.text().notNull(),
    upstreamBps: t.integer().notNull(),
    minUpstreamBps: t.integer().notNull(),
    totalShares: t.bigint().notNull(),
    parentCount: t.integer().notNull(),
    retracted: t.boolean().notNull(),
    retractReason: t.text(),
    /** The previous version, when this artifact was registered as its next version. */
    previous: t.hex(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ ownerIdx: index().on(table.owner), timeIdx: index().on(table.blockNumber) }),
);

export const contributor = onchainTable(
  "contributor",
  (t) => ({
    id: t.text().primaryKey(),
    digest: t.hex().notNull(),
    slot: t.integer().notNull(),
    account: t.hex().notNull(),
    share: t.bigint().notNull(),
  }),
  (table) => ({ digestIdx: index().on(table.digest), accountIdx: index().on(table.account) }),
);

export const lineage = onchainTable(
  "lineage",
  (t) => ({
    id: t.text().primaryKey(),
    child: t.hex().notNull(),
    parent: t.hex().notNull(),
    position: t.integer().notNull(),
  }),
  (table) => ({ childIdx: index().on(table.child), parentIdx: index().on(table.parent) }),
);

export const pool = onchainTable("pool", (t) => ({
  poolId: t.bigint().primaryKey(),
  token: t.hex().notNull(),
  curator: t.hex().notNull(),
  pendingCurator: t.hex(),
  creator: t.hex().notNull(),
  curationDelay: t.bigint().notNull(),
  totalWeight: t.bigint().notNull(),
  /** Σ received by `fund` and `fundStream`. */
  funded: t.bigint().notNull(),
  /** Σ paid by claims. */
  claimed: t.bigint().notNull(),
  blockNumber: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
}));

export const member = onchainTable(
  "member",
  (t) => ({
    id: t.text().primaryKey(),
    poolId: t.bigint().notNull(),
    artifact: t.hex().notNull(),
    weight: t.bigint().notNull(),
  }),
  (table) => ({ poolIdx: index().on(table.poolId), artifactIdx: index().on(table.artifact) }),
);

/** Every RewardPools log and the registry logs the reducer reads, with bigints as decimal strings. */
export const reducerLog = onchainTable(
  "reducer_log",
  (t) => ({
    id: t.text().primaryKey(),
    source: t.text().notNull(),
    name: t.text().notNull(),
    args: t.json().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ orderIdx: index().on(table.blockNumber, table.logIndex) }),
);

// ── ScoredPrograms (indexed when a programs address is configured) ───────────────────────────────────────────

/**
 * A program as its events left it. `active*` is the last root a RootActivated event promoted; a pending root
 * whose window has ended is promoted by the API at query time (as the contract's `program` view does).
 */
export const program = onchainTable("program", (t) => ({
  programId: t.bigint().primaryKey(),
  token: t.hex().notNull(),
  scorer: t.hex().notNull(),
  guardian: t.hex().notNull(),
  pendingScorer: t.hex(),
  pendingGuardian: t.hex(),
  creator: t.hex().notNull(),
  disputeWindow: t.bigint().notNull(),
  /** Σ received by `fund` / `fundWithPermit`. */
  received: t.bigint().notNull(),
  /** Σ paid by claims. */
  claimed: t.bigint().notNull(),
  activeEpoch: t.bigint().notNull(),
  activeRoot: t.hex(),
  activeTotal: t.bigint().notNull(),
  /** Row id (in `program_post`) of the active root's post, and of the pending one. */
  activePost: t.text(),
  pendingPost: t.text(),
  blockNumber: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
}));

/** Every posted root, with what became of it: pending, replaced, vetoed, active, superseded. */
export const programPost = onchainTable(
  "program_post",
  (t) => ({
    id: t.text().primaryKey(),
    programId: t.bigint().notNull(),
    epoch: t.bigint().notNull(),
    root: t.hex().notNull(),
    cumulativeTotal: t.bigint().notNull(),
    validAt: t.bigint().notNull(),
    usageHash: t.hex().notNull(),
    usageURI: t.text().notNull(),
    allocationHash: t.hex().notNull(),
    allocationURI: t.text().notNull(),
    status: t.text().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ programIdx: index().on(table.programId) }),
);

/** What an account has claimed from a program in total (the contract's `claimed(programId, account)`). */
export const programClaim = onchainTable(
  "program_claim",
  (t) => ({
    id: t.text().primaryKey(),
    programId: t.bigint().notNull(),
    account: t.hex().notNull(),
    claimed: t.bigint().notNull(),
    lastRecipient: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
  }),
  (table) => ({ programIdx: index().on(table.programId), accountIdx: index().on(table.account) }),
);
