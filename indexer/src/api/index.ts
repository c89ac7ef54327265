/**
 * The index's HTTP API (Ponder's Hono server, port 42069 by default):
 *   /graphql, /sql/*            Ponder's own, over the tables of ponder.schema.ts
 *   /kc/earnings/:account       what the account can claim, per (pool, artifact, slot), at ?at= or the chain's time
 *   /kc/pools, /kc/pools/:id    pool views (as RewardPools.pool), members (as RewardPools.member), streams
 *   /kc/pools/:id/series        funded, refunded and claimed over time (block by block, and now)
 *   /kc/artifacts/:digest/series  what the artifact earned (claimed + claimable) over time, per pool
 *   /kc/artifacts[?limit=]      latest registrations
 *   /kc/artifacts/:digest       record, contributors, parents, children, pools
 *   /kc/lineage/:digest         ancestors and descendants (?depth=, default 3) as nodes and edges
 *   /kc/metadata/:id            ERC-721 metadata JSON for token id `id` (hex digest or decimal), for a base URI
 *   /kc/history                 the CLI's history (src/history/state.ts) as of the indexed logs, for `kc … --index`
 *   /kc/programs, /kc/programs/:id   scored programs (as ScoredPrograms.program at the chain's time), their posted
 *                               epochs with status, funded/claimed, and what each account claimed
 *   /kc/programs/earnings/:account   per program: the account's cumulative amount and Merkle proof in the active
 *                               epoch (from its verified allocation file, see ../epochFiles.ts), claimed, claimable
 * Pool numbers come from src/poolsReducer.ts applied to the kept logs, so they equal the contracts' views.
 */
import { and, asc, count, desc, eq, gt, inArray, lt, lte, or, sql } from "ponder";
import { db, publicClients } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { getAddress } from "viem";
import { cors } from "hono/cors";
import { graphql, client } from "ponder";

import { type HistoryState, applyEvent, emptyState } from "../../../src/history/state";
import { PoolsReducer, type ReducerLog } from "../../../src/poolsReducer";
import { POOL_SERIES_EVENTS, artifactSeries, poolSeries } from "./series";
import { countParam, errorBody, uintParam } from "./params";
import { programsApi } from "./programs";
import { walkLineage } from "./lineage";

const KINDS = ["dataset", "model", "agent", "code", "prompt", "document", "other"];
const SCHEMES = ["raw", "unixfs", "manifest"];
const APP_URL = process.env.KC_APP_URL?.trim() || "http://127.0.0.1:5173";

const app = new Hono();
app.use("*", cors());
app.onError((err, c) => {
  const { status, body } = errorBody(err);
  if (status === 500) console.error(err);
  return c.json(body, status);
});
app.use("/graphql", graphql({ db, schema }));
app.use("/sql/*", client({ db, schema }));

// ── the reducer, kept up to date with the log table ──────────────────────────────────────────────────────────

let reducer = new PoolsReducer();
/** The same logs folded by the CLI's history rules (src/history/state.ts); rebuilt together with the reducer. */
let history: HistoryState = emptyState();
let busy: Promise<void> = Promise.resolve();

/** Addresses as ethers decodes them (checksummed; Ponder keeps them in lower case), so the history is the same. */
function checksummed(value: unknown): unknown {
  if (typeof value === "string") return /^0x[0-9a-fA-F]{40}$/.test(value) ? getAddress(value) : value;
  if (Array.isArray(value)) return value.map(checksummed);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, checksummed(v)]));
  return value;
}

/** Applies the logs indexed since the last call; starts over if the table lost rows (a reorg). */
async function caughtUp(): Promise<PoolsReducer> {
  const run = busy.then(async () => {
    const c = reducer.cursor;
    if (c) {
      const [row] = await db
        .select({ n: count() })
        .from(schema.reducerLog)
        .where(
          or(
            lt(schema.reducerLog.blockNumber, BigInt(c.blockNumber)),
            and(
              eq(schema.reducerLog.blockNumber, BigInt(c.blockNumber)),
              lte(schema.reducerLog.logIndex, c.logIndex),
            ),
          ),
        );
      if (Number(row!.n) !== reducer.applied) {
        reducer = new PoolsReducer();
        history = emptyState();
      }
    }
    const from = reducer.cursor;
    const rows = await db
      .select()
      .from(schema.reducerLog)
      .where(
        from
          ? or(
              gt(schema.reducerLog.blockNumber, BigInt(from.blockNumber)),
              and(
                eq(schema.reducerLog.blockNumber, BigInt(from.blockNumber)),
                gt(schema.reducerLog.logIndex, from.logIndex),
              ),
            )
          : undefined,
      )
      .orderBy(asc(schema.reducerLog.blockNumber), asc(schema.reducerLog.logIndex));
    try {
      // The transaction hash is the artifact row's (the kept logs do not carry it); /kc/history fills it in.
      for (const r of rows)
        applyEvent(
          history,
          r.source as "registry" | "pools",
          r.name,
          checksummed(r.args) as object,
          Number(r.blockNumber),
          "",
        );
      reducer.apply(
        rows.map((r): ReducerLog => ({
          source: r.source as ReducerLog["source"],
          name: r.name,
          args: r.args as Record<string, unknown>,
          blockNumber: Number(r.blockNumber),
          logIndex: r.logIndex,
          timestamp: r.timestamp,
        })),
      );
    } catch (e) {
      // Half applied: both start over on the next request.
      reducer = new PoolsReducer();
      history = emptyState();
      throw e;
    }
  });
  busy = run.catch(() => undefined);
  await run;
  return reducer;
}

/** `?at=` (unix seconds), else the timestamp of the chain's latest block, never before the last indexed log. */
async function timeOf(at: string | undefined, r: PoolsReducer): Promise<bigint> {
  let now: bigint;
  if (at) now = uintParam(at, "?at=");
  else {
    try {
      now = (await publicClients.chain.getBlock({ blockTag: "latest" })).timestamp;
    } catch {
      now = BigInt(Math.floor(Date.now() / 1000));
    }
  }
  let last = 0n;
  for (const p of r.pools.values()) if (p.lastUpdate > last) last = p.lastUpdate;
  return now > last ? now : last;
}

const ERC20 = [
  { type: "function", name: "symbol", stateMutability: "view", inputs: [], outputs: [{ type: "string" }] },
  { type: "function", name: "decimals", stateMutability: "view", inputs: [], outputs: [{ type: "uint8" }] },
] as const;
const tokenInfos = new Map<string, Promise<{ symbol: string; decimals: number }>>();

/** A token's symbol and decimals (read once per token), so the app needs no RPC call to show amounts. */
function tokenInfo(address: string): Promise<{ symbol: string; decimals: number }> {
  const key = address.toLowerCase();
  if (!tokenInfos.has(key)) {
    const read = <T>(functionName: "symbol" | "decimals", fallback: T) =>
      publicClients.chain
        .readContract({ address: key as `0x${string}`, abi: ERC20, functionName })
        .catch(() => fallback) as Promise<T>;
    const info = Promise.all([read("symbol", "tokens"), read("decimals", 18)]).then(([symbol, decimals]) => ({
      symbol: String(symbol),
      decimals: Number(decimals),
    }));
    tokenInfos.set(key, info);
  }
  return tokenInfos.get(key)!;
}

async function tokensOf(addresses: Iterable<string>) {
  const out: Record<string, { symbol: string; decimals: number }> = {};
  for (const a of new Set([...addresses].map((x) => x.toLowerCase()))) out[a] = await tokenInfo(a);
  return out;
}

/** JSON with bigints as decimal strings. */
const json = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));

const hex32 = (s: string): `0x${string}` | undefined =>
  /^0x[0-9a-fA-F]{64}$/.test(s) ? (s.toLowerCase() as `0x${string}`) : undefined;

/** `digests` and every artifact downstream of them, with parents, in registration order. */
function descendantsOf(r: PoolsReducer, digests: string[]): { digest: string; parents: string[] }[] {
  const children = new Map<string, string[]>();
  for (const [digest, facts] of r.artifacts)
    for (const p of facts.parents) children.set(p, [...(children.get(p) ?? []), digest]);
  const found = new Set<string>(digests.map((d) => d.toLowerCase()));
  const pending = [...found];
  for (let d = pending.pop(); d !== undefined; d = pending.pop()) {
    for (const child of children.get(d) ?? []) {
      if (found.has(child)) continue;
      found.add(child);
      pending.push(child);
    }
  }
  return [...r.artifacts.values()]
    .filter((f) => found.has(f.digest))
    .map((f) => ({ digest: f.digest, parents: f.parents }));
}

// ── rewards ──────────────────────────────────────────────────────────────────────────────────────────────────

app.get("/kc/earnings/:account", async (c) => {
  const account = c.req.param("account");
  if (!/^0x[0-9a-fA-F]{40}$/.test(account)) return c.json({ error: `not an address: ${account}` }, 400);
  const r = await caughtUp();
  const at = await timeOf(c.req.query("at"), r);
  const earnings = r.earnings(account, at).map((e) => {
    const facts = r.artifacts.get(e.artifact)!;
    const m = r.pools.get(e.poolId)!.members.get(e.artifact)!;
    // "direct" when the pool admitted the artifact, "upstream" when it earns only through derivatives.
    return {
      ...e,
      via: m.weight > 0n || m.checkpoint > 0n ? "direct" : "upstream",
      share: facts.shares[Number(e.slot)],
      // The pro-rata part of `claimable` that reached the artifact from its derivatives; the rest is direct.
      fromDerivatives: r.claimableFromDerivatives(e.poolId, e.artifact, e.slot, at),
    };
  });
  // The descendants of the account's artifacts with their parents (registration order): what the app's claim
  // plan settles first (the SDK's settleList), so upstream flow reaches the claimant.
  // Every slot the account holds and every pool: a pool that has not met an artifact yet can still owe it
  // upstream flow waiting in a derivative, which a claim settles first.
  const who = account.toLowerCase();
  const slots: { artifact: string; slot: number }[] = [];
  for (const [digest, facts] of r.artifacts)
    facts.holders.forEach((h, slot) => h.toLowerCase() === who && slots.push({ artifact: digest, slot }));
  const pools = [...r.pools.values()].map((p) => ({ poolId: p.poolId, token: p.token }));
  const lineage = descendantsOf(r, [...new Set(slots.map((s) => s.artifact))]);
  const tokens = await tokensOf([...earnings.map((e) => e.token), ...pools.map((p) => p.token)]);
  return c.json(json({ account, at, earnings, slots, pools, lineage, tokens }));
});

// ── the CLI's history ───────────────────────────────────────────────────────────────────────────────────────

app.get("/kc/history", async (c) => {
  await caughtUp();
  // URIs change by URIUpdated, which the kept logs leave out: the artifact rows have the current ones.
  const rows = await db
    .select({ digest: schema.artifact.digest, uri: schema.artifact.uri, txHash: schema.artifact.txHash })
    .from(schema.artifact);
  for (const row of rows) {
    const a = history.artifacts[row.digest.toLowerCase()];
    if (a) {
      a.uri = row.uri;
      a.txHash = row.txHash;
    }
  }
  const last = reducer.cursor?.blockNumber ?? 0;
  return c.json({ lastLogBlock: last, state: history });
});

// ── pools ────────────────────────────────────────────────────────────────────────────────────────────────────

app.get("/kc/pools", async (c) => {
  const r = await caughtUp();
  const at = await timeOf(c.req.query("at"), r);
  const rows = await db.select().from(schema.pool).orderBy(asc(schema.pool.poolId));
  return c.json(
    json({
      at,
      pools: rows.map((row) => ({ ...row, view: r.pool(row.poolId, at) })),
      tokens: await tokensOf(rows.map((row) => row.token)),
    }),
  );
});

app.get("/kc/pools/:id", async (c) => {
  const poolId = uintParam(c.req.param("id"), "the pool id");
  const r = await caughtUp();
  if (!r.pools.has(poolId)) return c.json({ error: `no pool ${poolId}` }, 404);
  const at = await timeOf(c.req.query("at"), r);
  const [row] = await db.select().from(schema.pool).where(eq(schema.pool.poolId, poolId));
  const p = r.pools.get(poolId)!;
  const members = [...p.members.keys()].map((artifact) => ({ artifact, ...r.member(poolId, artifact) }));
  return c.json(
    json({
      at,
      pool: { ...row, view: r.pool(poolId, at) },
      members,
      streams: r.streams(poolId, at),
      pendingChanges: r.pendingChanges(poolId),
      tokens: await tokensOf([p.token]),
    }),
  );
});

// ── time series for the charts ───────────────────────────────────────────────────────────────────────────────

const asReducerLog = (r: typeof schema.reducerLog.$inferSelect): ReducerLog => ({
  source: r.source as ReducerLog["source"],
  name: r.name,
  args: r.args as Record<string, unknown>,
  blockNumber: Number(r.blockNumber),
  logIndex: r.logIndex,
  timestamp: r.timestamp,
});

app.get("/kc/pools/:id/series", async (c) => {
  const poolId = uintParam(c.req.param("id"), "the pool id");
  const r = await caughtUp();
  if (!r.pools.has(poolId)) return c.json({ error: `no pool ${poolId}` }, 404);
  const at = await timeOf(c.req.query("at"), r);
  const rows = await db
    .select()
    .from(schema.reducerLog)
    .where(
      and(
        eq(schema.reducerLog.source, "pools"),
        inArray(schema.reducerLog.name, [...POOL_SERIES_EVENTS]),
        sql`${schema.reducerLog.args}->>'poolId' = ${poolId.toString()}`,
      ),
    )
    .orderBy(asc(schema.reducerLog.blockNumber), asc(schema.reducerLog.logIndex));
  const token = r.pools.get(poolId)!.token;
  const points = poolSeries(rows.map(asReducerLog), poolId, at);
  return c.json(json({ poolId, token, at, points, tokens: await tokensOf([token]) }));
});

app.get("/kc/artifacts/:digest/series", async (c) => {
  const digest = hex32(c.req.param("digest"));
  if (!digest) return c.json({ error: "a digest is 0x and 64 hex digits" }, 400);
  // The whole history is replayed (an artifact earns through its derivatives too): cost grows with the logs.
  const rows = await db
    .select()
    .from(schema.reducerLog)
    .orderBy(asc(schema.reducerLog.blockNumber), asc(schema.reducerLog.logIndex));
  const logs = rows.map(asReducerLog);
  const r = await caughtUp();
  const at = await timeOf(c.req.query("at"), r);
  const last = logs.length ? logs[logs.length - 1].timestamp : 0n;
  const pools = artifactSeries(logs, digest, at > last ? at : last);
  return c.json(json({ digest, at, pools, tokens: await tokensOf(pools.map((p) => p.token)) }));
});

programsApi(app, { chainTime: (at) => timeOf(at, new PoolsReducer()), tokensOf, json });

// ── artifacts and lineage ────────────────────────────────────────────────────────────────────────────────────

app.get("/kc/artifacts", async (c) => {
  const limit = countParam(c.req.query("limit"), "?limit=", 50, 500);
  const rows = await db
    .select()
    .from(schema.artifact)
    .orderBy(desc(schema.artifact.blockNumber))
    .limit(limit);
  return c.json(json({ artifacts: rows }));
});

app.get("/kc/artifacts/:digest", async (c) => {
  const digest = hex32(c.req.param("digest"));
  if (!digest) return c.json({ error: "a digest is 0x and 64 hex digits" }, 400);
  const [record] = await db.select().from(schema.artifact).where(eq(schema.artifact.digest, digest));
  if (!record) return c.json({ error: `no artifact ${digest}` }, 404);
  const [contributors, parents, children, memberships, versions] = await Promise.all([
    db
      .select()
      .from(schema.contributor)
      .where(eq(schema.contributor.digest, digest))
      .orderBy(asc(schema.contributor.slot)),
    db
      .select()
      .from(schema.lineage)
      .where(eq(schema.lineage.child, digest))
      .orderBy(asc(schema.lineage.position)),
    db.select().from(schema.lineage).where(eq(schema.lineage.parent, digest)),
    db.select().from(schema.member).where(eq(schema.member.artifact, digest)),
    db
      .select({ digest: schema.artifact.digest })
      .from(schema.artifact)
      .where(eq(schema.artifact.previous, digest)),
  ]);
  return c.json(
    json({
      artifact: { ...record, kindName: KINDS[record.kind], schemeName: SCHEMES[record.scheme] },
      contributors,
      parents: parents.map((p) => p.parent),
      children: children.map((p) => p.child),
      nextVersions: versions.map((v) => v.digest),
      pools: memberships,
    }),
  );
});

app.get("/kc/lineage/:digest", async (c) => {
  const root = hex32(c.req.param("digest"));
  if (!root) return c.json({ error: "a digest is 0x and 64 hex digits" }, 400);
  const depth = countParam(c.req.query("depth"), "?depth=", 3, 8, 0);
  const { levels, edges, truncated } = await walkLineage(root, depth, (dir, frontier, limit) =>
    db
      .select()
      .from(schema.lineage)
      .where(inArray(dir < 0 ? schema.lineage.child : schema.lineage.parent, frontier))
      .orderBy(asc(schema.lineage.id))
      .limit(limit),
  );
  const nodes = await db
    .select()
    .from(schema.artifact)
    .where(inArray(schema.artifact.digest, [...levels.keys()] as `0x${string}`[]));
  return c.json(
    json({
      root,
      nodes: nodes.map((n) => ({
        digest: n.digest,
        kind: KINDS[n.kind],
        uri: n.uri,
        retracted: n.retracted,
        upstreamBps: n.upstreamBps,
        level: levels.get(n.digest),
      })),
      edges,
      truncated,
    }),
  );
});

/** A small SVG card (kind and digest) as a data URI, so a wallet has an image to show. */
function card(kind: string, digest: string, retracted: boolean): string {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400">` +
    `<rect width="400" height="400" fill="${retracted ? "#6b7280" : "#1d2433"}"/>` +
    `<text x="30" y="70" font-family="sans-serif" font-size="22" fill="#cfe0ff">Knowledge Commons</text>` +
    `<text x="30" y="200" font-family="sans-serif" font-size="48" fill="#fff">${kind}</text>` +
    `<text x="30" y="330" font-family="monospace" font-size="15" fill="#cfe0ff">${digest.slice(0, 34)}</text>` +
    `<text x="30" y="352" font-family="monospace" font-size="15" fill="#cfe0ff">${digest.slice(34)}</text>` +
    (retracted
      ? `<text x="30" y="250" font-family="sans-serif" font-size="22" fill="#fde8e8">retracted</text>`
      : "") +
    `</svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
}

// ── ERC-721 metadata, for a registry deployed with base URI <this server>/kc/metadata/ ──────────────────────

app.get("/kc/metadata/:id", async (c) => {
  const id = c.req.param("id").replace(/\.json$/, "");
  let digest: `0x${string}` | undefined;
  try {
    digest = `0x${BigInt(id).toString(16).padStart(64, "0")}` as `0x${string}`;
  } catch {
    digest = undefined;
  }
  if (!digest || digest.length !== 66) return c.json({ error: `not a token id: ${id}` }, 400);
  const [record] = await db.select().from(schema.artifact).where(eq(schema.artifact.digest, digest));
  if (!record) return c.json({ error: `no artifact ${digest}` }, 404);
  const contributors = await db
    .select()
    .from(schema.contributor)
    .where(eq(schema.contributor.digest, digest));
  const kind = KINDS[record.kind] ?? "other";
  return c.json({
    name: `Knowledge Commons ${kind} ${digest.slice(0, 10)}…`,
    description: `A ${kind} registered in Knowledge Commons by its content digest${record.retracted ? " (retracted)" : ""}.`,
    external_url: `${APP_URL}/#/artifact/${digest}`,
    image: card(kind, digest, record.retracted),
    ...(record.uri ? { content_uri: record.uri } : {}),
    attributes: [
      { trait_type: "kind", value: kind },
      { trait_type: "digest", value: digest },
      { trait_type: "scheme", value: SCHEMES[record.scheme] ?? String(record.scheme) },
      { trait_type: "contributors", value: contributors.length },
      { trait_type: "parents", value: record.parentCount },
      { trait_type: "upstream bps", value: record.upstreamBps },
      { trait_type: "retracted", value: record.retracted ? "yes" : "no" },
    ],
  });
});

export default app;
