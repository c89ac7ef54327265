/** What every page shares: the config, the index client, token amounts, the wallet state and the status line. */
import { type Signer, Contract, JsonRpcProvider, formatUnits } from "ethers";

import { errorInterfaceFrom } from "../../src/decodeError";
import { IKnowledgeRegistry__factory } from "../../typechain-types/factories/contracts/interfaces/IKnowledgeRegistry__factory";
import { IRewardPools__factory } from "../../typechain-types/factories/contracts/interfaces/IRewardPools__factory";
import type { Eip1193 } from "./wallet";

export interface Config {
  indexUrl: string;
  rpcUrl: string;
  chainId: number;
  registry: string;
  pools: string;
  /** ScoredPrograms, when deployed and indexed. */
  programs?: string;
}

export const ERC20 = [
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function balanceOf(address) view returns (uint256)",
];
export const errors = errorInterfaceFrom([IRewardPools__factory.abi, IKnowledgeRegistry__factory.abi]);

/** Set once by main.ts at start and on wallet changes; pages read it, never cache it. */
export const state = {} as {
  config: Config;
  reader: JsonRpcProvider;
  account?: string;
  signer?: Signer;
  injected?: Eip1193;
  /** Re-renders the current page (after a transaction); `clearStatus` false keeps the last message. */
  refresh: (clearStatus?: boolean) => Promise<void>;
};

export const $ = <T extends HTMLElement = HTMLElement>(sel: string, root: ParentNode = document) =>
  root.querySelector(sel) as T;
export const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
export const short = (h: string) => `${h.slice(0, 10)}…${h.slice(-4)}`;

export function status(text: string, kind: "" | "ok" | "error" = ""): void {
  const el = $("#status");
  el.textContent = text;
  el.className = kind;
}

/**
 * A token's symbol as shown: any ERC-20 can name itself `<img onerror=…>`, and `amount()` goes into innerHTML on
 * most pages, so markup characters and controls are dropped and the length capped.
 */
export function safeSymbol(symbol: unknown): string {
  // eslint-disable-next-line no-control-regex
  const text = String(symbol)
    .replace(/[<>&"'`\u0000-\u001f\u007f]/g, "")
    .trim()
    .slice(0, 24);
  return text || "tokens";
}

/** Token symbols and decimals the index sent along, so amounts need no RPC call. */
function learnTokens(body: { tokens?: Record<string, { symbol: string; decimals: number }> }): void {
  for (const [address, info] of Object.entries(body.tokens ?? {}))
    if (!tokens.has(address.toLowerCase()))
      tokens.set(
        address.toLowerCase(),
        Promise.resolve({ symbol: safeSymbol(info.symbol), decimals: Number(info.decimals) }),
      );
}

export async function api<T = any>(path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${state.config.indexUrl}${path}`);
  } catch {
    throw new Error(`cannot reach the index at ${state.config.indexUrl}: is \`npm run index\` running?`);
  }
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `index answered ${res.status}`);
  learnTokens(body);
  return body as T;
}

// ── tokens ───────────────────────────────────────────────────────────────────────────────────────────────────

const tokens = new Map<string, Promise<{ symbol: string; decimals: number }>>();
export function token(address: string) {
  const key = address.toLowerCase();
  if (!tokens.has(key)) {
    const c = new Contract(address, ERC20, state.reader);
    tokens.set(
      key,
      Promise.all([c.symbol().catch(() => "tokens"), c.decimals().catch(() => 18n)]).then(
        ([symbol, decimals]) => ({
          symbol: safeSymbol(symbol),
          decimals: Number(decimals),
        }),
      ),
    );
  }
  return tokens.get(key)!;
}
export async function amount(value: bigint | string, tokenAddress: string): Promise<string> {
  const t = await token(tokenAddress);
  return `${formatUnits(BigInt(value), t.decimals)} ${t.symbol}`;
}

/** Waits (up to a minute) until the index has processed block `n`, so a refreshed page shows what just happened. */
export async function indexReached(n: number): Promise<void> {
  for (const until = Date.now() + 60_000; Date.now() < until;) {
    try {
      const s = await (await fetch(`${state.config.indexUrl}/status`)).json();
      const reached = Object.values(s as Record<string, { block?: { number: number } }>).every(
        (chain) => (chain.block?.number ?? 0) >= n,
      );
      if (reached) return;
    } catch {
      // the index restarts; keep asking
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the index has not reached block ${n} after a minute; the amounts shown may be stale`);
}
