import { KcError } from "./errors";
import type { HistoryState } from "./history/state";
import { HistoryView } from "./history/view";

/**
 * A client of the index (indexer/, `npm run index`): its progress (`/status`) and its `/kc/...` endpoints. Plain
 * `fetch`, so it runs in Node, a bot or a browser. The CLI's account reads (`kc earnings`, `claimable`, `pools`,
 * `artifacts` with `--index`) take their history from `history()` instead of scanning the chain's logs, and read
 * the contracts' views at the block it returns, so their numbers are the contracts' own.
 */

export interface IndexStatus {
  /** The last block the index has processed. */
  block: number;
  timestamp: number;
}

/** The index did not answer, or answered something else than an index. */
export class IndexUnavailable extends KcError {
  override name = "IndexUnavailable";
}

export interface IndexClientOptions {
  /** Per request (default 10 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class IndexClient {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(url: string, options: IndexClientOptions = {}) {
    this.url = url.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchFn = options.fetch ?? fetch;
  }

  /** GET `path` as JSON; any failure is one `IndexUnavailable` line naming the index. */
  async get<T>(path: string): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.url}${path}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      const why = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new IndexUnavailable(`the index at ${this.url} did not answer (${why})`);
    }
    if (!res.ok) {
      const body = await res.text().catch(() => "");
      const error = /"error":"([^"]*)"/.exec(body)?.[1];
      throw new IndexUnavailable(
        `the index at ${this.url} answered ${path} with ${res.status}${error ? `: ${error}` : ""}`,
      );
    }
    return (await res.json()) as T;
  }

  /** The index's progress on its (single) chain. */
  async status(): Promise<IndexStatus> {
    const body = await this.get<Record<string, { block?: { number: number; timestamp: number } }>>("/status");
    const chain = Object.values(body ?? {})[0];
    if (!chain?.block) throw new IndexUnavailable(`the index at ${this.url} has not indexed any block yet`);
    return { block: Number(chain.block.number), timestamp: Number(chain.block.timestamp) };
  }

  /**
   * The history (who contributes to what, lineage, pools, members, flows, claims) as of the index's block, the
   * same `HistoryView` `syncHistory` builds from the logs. The status is read before and after, so the view and
   * its block agree even while the index moves on.
   */
  async history(): Promise<HistoryView> {
    for (let attempt = 0; ; attempt++) {
      const before = await this.status();
      const body = await this.get<{ lastLogBlock: number; state: HistoryState }>("/kc/history");
      const after = await this.status();
      if ((before.block === after.block && body.lastLogBlock <= after.block) || attempt >= 4)
        return new HistoryView(body.state, Math.max(after.block, body.lastLogBlock));
    }
  }

  /** What `account` can claim, per (pool, artifact, slot), by the index's reducer (`/kc/earnings/:account`). */
  earnings(account: string): Promise<IndexEarnings> {
    return this.get<IndexEarnings>(`/kc/earnings/${account}`);
  }
}

/** `/kc/earnings/:account`: amounts in base units as decimal strings. */
export interface IndexEarnings {
  account: string;
  at: string;
  earnings: {
    poolId: string;
    token: string;
    artifact: string;
    slot: string;
    claimable: string;
    claimed: string;
    via: "direct" | "upstream";
    share: string;
  }[];
  tokens: Record<string, { symbol: string; decimals: number }>;
}

/**
 * How far the index trails the chain: `maxLag` blocks or fewer is fine (a reader then reads at the index's block).
 * Returns the index's history, or throws `IndexUnavailable` in one line (unreachable, or too far behind).
 */
export async function historyFromIndex(
  client: IndexClient,
  head: number,
  maxLag: number,
): Promise<{ view: HistoryView; behind: number }> {
  const view = await client.history();
  const behind = Math.max(0, head - view.block);
  if (behind > maxLag)
    throw new IndexUnavailable(
      `the index at ${client.url} is ${behind} blocks behind the chain (at ${view.block}, head ${head}; more than ${maxLag})`,
    );
  return { view, behind };
}
