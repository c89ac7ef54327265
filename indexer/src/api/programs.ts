/**
 * The scored programs part of the API (see ./index.ts for the list). Handlers store what the events say; here a
 * pending root whose dispute window ended by the chain's time shows as active, exactly as ScoredPrograms.program
 * does, and what an account can claim is its cumulative amount in the active epoch's verified allocation
 * (../epochFiles.ts) less what it claimed: the contract's `claimable(programId, account, cumulative, proof)`.
 */
import { asc, eq } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";
import type { Hono } from "hono";

import { chainId, epochsDir, programs as programsAddress } from "../../settings";
import { loadAllocation, type Loaded } from "../epochFiles";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const ZERO_HASH = `0x${"0".repeat(64)}`;

type ProgramRow = typeof schema.program.$inferSelect;
type PostRow = typeof schema.programPost.$inferSelect;

interface Helpers {
  /** `?at=` (unix seconds) or the chain's latest block time. */
  chainTime: (at?: string) => Promise<bigint>;
  tokensOf: (addresses: Iterable<string>) => Promise<Record<string, { symbol: string; decimals: number }>>;
  json: (value: unknown) => unknown;
}

/** The program at time `at`: its active and pending posts, and ScoredPrograms.program's fields. */
function atTime(row: ProgramRow, posts: Map<string, PostRow>, at: bigint) {
  let active = row.activePost ? posts.get(row.activePost) : undefined;
  let pending = row.pendingPost ? posts.get(row.pendingPost) : undefined;
  let activeEpoch = row.activeEpoch;
  let activeRoot = row.activeRoot ?? ZERO_HASH;
  let activeTotal = row.activeTotal;
  if (pending && pending.validAt <= at) {
    // Matured: the next claim, post or `activate` promotes it; the view already shows it active.
    active = pending;
    pending = undefined;
    activeEpoch += 1n;
    activeRoot = active.root;
    activeTotal = active.cumulativeTotal;
  }
  return {
    active,
    pending,
    view: {
      token: row.token,
      scorer: row.scorer,
      guardian: row.guardian,
      pendingScorer: row.pendingScorer ?? ZERO_ADDRESS,
      pendingGuardian: row.pendingGuardian ?? ZERO_ADDRESS,
      disputeWindow: row.disputeWindow,
      activeEpoch,
      activeRoot,
      activeTotal,
      pendingRoot: pending?.root ?? ZERO_HASH,
      pendingTotal: pending?.cumulativeTotal ?? 0n,
      pendingValidAt: pending?.validAt ?? 0n,
      received: row.received,
      claimed: row.claimed,
    },
  };
}

/** A post's status at time `at` (a matured pending post is active, and the one it follows superseded). */
function statusAt(post: PostRow, t: ReturnType<typeof atTime>, row: ProgramRow): string {
  if (t.active && post.id === t.active.id) return "active";
  if (post.id === row.activePost && t.active?.id !== row.activePost) return "superseded";
  return post.status;
}

const postKey = (p: PostRow) => ({
  programId: p.programId,
  epoch: p.epoch,
  root: p.root,
  cumulativeTotal: p.cumulativeTotal,
  allocationHash: p.allocationHash,
  allocationURI: p.allocationURI,
});

const filesOf = (loaded: Loaded) =>
  loaded.ok
    ? { verified: true, source: loaded.allocation.source, accounts: loaded.allocation.accounts }
    : { verified: false, reason: loaded.reason };

async function postsOf(programId?: bigint): Promise<Map<string, PostRow>> {
  const rows = await db
    .select()
    .from(schema.programPost)
    .where(programId === undefined ? undefined : eq(schema.programPost.programId, programId))
    .orderBy(asc(schema.programPost.blockNumber));
  return new Map(rows.map((r) => [r.id, r]));
}

export function programsApi(app: Hono, { chainTime, tokensOf, json }: Helpers): void {
  app.get("/kc/programs", async (c) => {
    const at = await chainTime(c.req.query("at"));
    const rows = await db.select().from(schema.program).orderBy(asc(schema.program.programId));
    const posts = await postsOf();
    return c.json(
      json({
        at,
        indexed: Boolean(programsAddress),
        address: programsAddress ?? null,
        programs: rows.map((row) => ({ ...row, view: atTime(row, posts, at).view })),
        tokens: await tokensOf(rows.map((r) => r.token)),
      }),
    );
  });

  app.get("/kc/programs/earnings/:account", async (c) => {
    const account = c.req.param("account");
    if (!/^0x[0-9a-fA-F]{40}$/.test(account)) return c.json({ error: `not an address: ${account}` }, 400);
    const at = await chainTime(c.req.query("at"));
    const rows = await db.select().from(schema.program).orderBy(asc(schema.program.programId));
    const posts = await postsOf();
    const claims = await db
      .select()
      .from(schema.programClaim)
      .where(eq(schema.programClaim.account, account.toLowerCase() as `0x${string}`));
    const claimedBy = new Map(claims.map((r) => [r.programId, r.claimed]));
    const earnings = [];
    for (const row of rows) {
      const t = atTime(row, posts, at);
      const claimed = claimedBy.get(row.programId) ?? 0n;
      const base = { programId: row.programId, token: row.token, claimed };
      // What a pending root would add, once its window ends (shown, not claimable yet).
      let pending: { epoch: bigint; validAt: bigint; cumulative: bigint } | undefined;
      if (t.pending) {
        const p = await loadAllocation(postKey(t.pending), chainId, epochsDir);
        const leaf = p.ok ? p.allocation.leaf(account) : undefined;
        if (leaf)
          pending = { epoch: t.pending.epoch, validAt: t.pending.validAt, cumulative: leaf.cumulative };
      }
      if (!t.active) {
        if (pending) earnings.push({ ...base, claimable: 0n, pending });
        continue;
      }
      const loaded = await loadAllocation(postKey(t.active), chainId, epochsDir);
      const epoch = { epoch: t.active.epoch, root: t.active.root };
      if (!loaded.ok) {
        earnings.push({ ...base, ...epoch, claimable: null, unavailable: loaded.reason, pending });
        continue;
      }
      const leaf = loaded.allocation.leaf(account);
      if (!leaf && claimed === 0n && !pending) continue;
      const cumulative = leaf?.cumulative ?? 0n;
      earnings.push({
        ...base,
        ...epoch,
        cumulative,
        proof: leaf?.proof ?? [],
        claimable: cumulative > claimed ? cumulative - claimed : 0n,
        source: loaded.allocation.source,
        pending,
      });
    }
    return c.json(json({ account, at, earnings, tokens: await tokensOf(earnings.map((e) => e.token)) }));
  });

  app.get("/kc/programs/:id", async (c) => {
    const text = c.req.param("id");
    if (!/^\d+$/.test(text)) return c.json({ error: `not a program id: ${text}` }, 400);
    const programId = BigInt(text);
    const [row] = await db.select().from(schema.program).where(eq(schema.program.programId, programId));
    if (!row) return c.json({ error: `no program ${programId}` }, 404);
    const at = await chainTime(c.req.query("at"));
    const posts = await postsOf(programId);
    const t = atTime(row, posts, at);
    const claims = await db
      .select()
      .from(schema.programClaim)
      .where(eq(schema.programClaim.programId, programId))
      .orderBy(asc(schema.programClaim.account));
    const activeFiles = t.active
      ? filesOf(await loadAllocation(postKey(t.active), chainId, epochsDir))
      : null;
    return c.json(
      json({
        at,
        program: { ...row, view: t.view },
        epochs: [...posts.values()].map((p) => ({ ...p, status: statusAt(p, t, row) })),
        activeFiles,
        claims: claims.map((r) => ({
          account: r.account,
          claimed: r.claimed,
          lastRecipient: r.lastRecipient,
        })),
        tokens: await tokensOf([row.token]),
      }),
    );
  });
}
