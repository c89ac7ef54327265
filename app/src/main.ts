/**
 * Knowledge Commons web app: reads from the index (Ponder, `npm run index`), writes through an injected wallet.
 * Every transaction is simulated (eth_call of the same call, from the same account) before the wallet is asked;
 * a revert shows the CLI's one-line reason (src/decodeError.ts).
 */
import { BrowserProvider, Contract, JsonRpcProvider, formatUnits, getAddress, type Signer } from "ethers";

import { describeError, errorInterfaceFrom } from "../../src/decodeError";
import { IKnowledgeRegistry__factory } from "../../typechain-types/factories/contracts/interfaces/IKnowledgeRegistry__factory";
import { IRewardPools__factory } from "../../typechain-types/factories/contracts/interfaces/IRewardPools__factory";
import { lineageSvg, type LineageEdge, type LineageNode } from "./lineage";
import { discover, wallets, type Eip1193 } from "./wallet";

interface Config {
  indexUrl: string;
  rpcUrl: string;
  chainId: number;
  registry: string;
  pools: string;
}

const ERC20 = [
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function balanceOf(address) view returns (uint256)",
];
const errors = errorInterfaceFrom([IRewardPools__factory.abi, IKnowledgeRegistry__factory.abi]);

let config: Config;
let reader: JsonRpcProvider;
let account: string | undefined;
let signer: Signer | undefined;
let injected: Eip1193 | undefined;

const $ = <T extends HTMLElement = HTMLElement>(sel: string, root: ParentNode = document) =>
  root.querySelector(sel) as T;
const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const short = (h: string) => `${h.slice(0, 10)}…${h.slice(-4)}`;

function status(text: string, kind: "" | "ok" | "error" = ""): void {
  const el = $("#status");
  el.textContent = text;
  el.className = kind;
}

/** Token symbols and decimals the index sent along, so amounts need no RPC call. */
function learnTokens(body: { tokens?: Record<string, { symbol: string; decimals: number }> }): void {
  for (const [address, info] of Object.entries(body.tokens ?? {}))
    if (!tokens.has(address.toLowerCase())) tokens.set(address.toLowerCase(), Promise.resolve(info));
}

async function api<T = any>(path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${config.indexUrl}${path}`);
  } catch {
    throw new Error(`cannot reach the index at ${config.indexUrl}: is \`npm run index\` running?`);
  }
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `index answered ${res.status}`);
  learnTokens(body);
  return body as T;
}

// ── tokens ───────────────────────────────────────────────────────────────────────────────────────────────────

const tokens = new Map<string, Promise<{ symbol: string; decimals: number }>>();
function token(address: string) {
  const key = address.toLowerCase();
  if (!tokens.has(key)) {
    const c = new Contract(address, ERC20, reader);
    tokens.set(
      key,
      Promise.all([c.symbol().catch(() => "tokens"), c.decimals().catch(() => 18n)]).then(
        ([symbol, decimals]) => ({
          symbol: String(symbol),
          decimals: Number(decimals),
        }),
      ),
    );
  }
  return tokens.get(key)!;
}
async function amount(value: bigint | string, tokenAddress: string): Promise<string> {
  const t = await token(tokenAddress);
  return `${formatUnits(BigInt(value), t.decimals)} ${t.symbol}`;
}

// ── wallet ───────────────────────────────────────────────────────────────────────────────────────────────────

function renderWallet(): void {
  const el = $("#wallet");
  if (account) {
    el.innerHTML = `<span class="mono" id="account">${esc(account)}</span>`;
    return;
  }
  const list = wallets();
  if (list.length === 0) {
    el.innerHTML = `<span class="muted">read-only (no wallet found)</span>`;
    return;
  }
  el.innerHTML = list
    .map((w, i) => `<button class="connect" data-i="${i}">Connect ${esc(w.info.name)}</button>`)
    .join(" ");
  el.querySelectorAll<HTMLButtonElement>("button.connect").forEach((b) =>
    b.addEventListener("click", () => connect(list[Number(b.dataset.i)].provider)),
  );
}

async function connect(provider: Eip1193): Promise<void> {
  try {
    status("asking the wallet for an account…");
    const accounts = (await provider.request({ method: "eth_requestAccounts" })) as string[];
    const chainId = Number(await provider.request({ method: "eth_chainId" }));
    if (chainId !== config.chainId) {
      await provider.request({
        method: "wallet_switchEthereumChain",
        params: [{ chainId: `0x${config.chainId.toString(16)}` }],
      });
    }
    injected = provider;
    account = getAddress(accounts[0]);
    signer = await new BrowserProvider(provider as never, config.chainId).getSigner(account);
    provider.on?.("accountsChanged", (a: string[]) => {
      account = a[0] ? getAddress(a[0]) : undefined;
      signer = undefined;
      if (account)
        new BrowserProvider(injected as never, config.chainId).getSigner(account).then((s) => (signer = s));
      renderWallet();
      route();
    });
    status(`connected ${account}`, "ok");
    renderWallet();
    route();
  } catch (err) {
    status(`could not connect: ${describeError(err, errors)}`, "error");
  }
}

// ── pages ────────────────────────────────────────────────────────────────────────────────────────────────────

interface Earning {
  poolId: string;
  token: string;
  artifact: string;
  slot: string;
  claimable: string;
  claimed: string;
  via: string;
  share: string;
}

async function rewardsPage(main: HTMLElement, who?: string): Promise<void> {
  const target = who ?? account;
  if (!target) {
    main.innerHTML =
      `<h1>My rewards</h1><p>Connect a wallet to see what you can claim, or look up any account:</p>` +
      `<form id="lookup"><input name="a" placeholder="0x… account"/> <button>Show</button></form>`;
    $("#lookup", main).addEventListener("submit", (e) => {
      e.preventDefault();
      location.hash = `#/rewards/${(new FormData(e.target as HTMLFormElement).get("a") as string).trim()}`;
    });
    return;
  }
  const t0 = performance.now();
  const { earnings, at } = await api<{ earnings: Earning[]; at: string }>(`/kc/earnings/${target}`);
  const byToken = new Map<string, bigint>();
  for (const e of earnings) byToken.set(e.token, (byToken.get(e.token) ?? 0n) + BigInt(e.claimable));
  const totals = await Promise.all([...byToken].map(async ([t, v]) => amount(v, t)));
  const rows = await Promise.all(
    earnings.map(
      async (e) =>
        `<tr><td><a href="#/pool/${e.poolId}">pool ${e.poolId}</a></td>` +
        `<td><a href="#/artifact/${e.artifact}" class="mono">${short(e.artifact)}</a></td>` +
        `<td>${e.slot}</td><td>${esc(e.via)}</td>` +
        `<td class="num claimable">${await amount(e.claimable, e.token)}</td>` +
        `<td class="num">${await amount(e.claimed, e.token)}</td></tr>`,
    ),
  );
  const mine = account && target.toLowerCase() === account.toLowerCase();
  const owed = earnings.filter((e) => BigInt(e.claimable) > 0n);
  main.innerHTML =
    `<h1>My rewards</h1><p class="mono">${esc(target)}</p>` +
    `<p class="total" id="total">${totals.length ? totals.map(esc).join(" + ") : "nothing yet"}</p>` +
    `<p class="muted">as of block time ${new Date(Number(at) * 1000).toISOString()}; ` +
    `${earnings.length} slot(s) in ${new Set(earnings.map((e) => e.poolId)).size} pool(s)</p>` +
    (mine
      ? `<p><label>Send to <input id="recipient" value="${esc(account)}"/></label> ` +
        `<button id="claim-all" ${owed.length ? "" : "disabled"}>Claim all</button></p>`
      : "") +
    `<table id="earnings"><thead><tr><th>Pool</th><th>Artifact</th><th>Slot</th><th>From</th>` +
    `<th class="num">Claimable</th><th class="num">Claimed</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  // For the budget: ms from this page's navigation start to the rendered list, and of this view alone.
  main.dataset.renderedAt = String(Math.round(performance.now()));
  main.dataset.loadedMs = String(Math.round(performance.now() - t0));
  if (mine) $("#claim-all", main).addEventListener("click", () => claimAll(owed));
}

/** Waits (up to a minute) until the index has processed block `n`, so a refreshed page shows what just happened. */
async function indexReached(n: number): Promise<void> {
  for (const until = Date.now() + 60_000; Date.now() < until;) {
    try {
      const s = await (await fetch(`${config.indexUrl}/status`)).json();
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

/** One `claim` per pool (a pool pays in one token transfer), each simulated before the wallet is asked. */
async function claimAll(owed: Earning[]): Promise<void> {
  if (!signer || !account) return;
  const button = $<HTMLButtonElement>("#claim-all");
  button.disabled = true;
  const recipient = $<HTMLInputElement>("#recipient").value.trim();
  const pools = IRewardPools__factory.connect(config.pools, signer);
  const byPool = new Map<string, Earning[]>();
  for (const e of owed) byPool.set(e.poolId, [...(byPool.get(e.poolId) ?? []), e]);
  let done = 0;
  let lastBlock = 0;
  try {
    const to = getAddress(recipient);
    for (const [poolId, list] of byPool) {
      const targets = list.map((e) => ({ artifact: e.artifact, slot: BigInt(e.slot) }));
      status(`pool ${poolId}: simulating the claim…`);
      const expected = await pools.claim.staticCall(poolId, targets, to);
      status(`pool ${poolId}: confirm the claim of ${await amount(expected, list[0].token)} in your wallet…`);
      const tx = await pools.claim(poolId, targets, to);
      status(`pool ${poolId}: waiting for ${short(tx.hash)}…`);
      const receipt = await tx.wait();
      if (receipt?.status !== 1) throw new Error(`transaction ${tx.hash} failed`);
      lastBlock = receipt.blockNumber;
      done++;
    }
    status(`claimed from ${done} pool(s); waiting for the index to see it…`);
    await indexReached(lastBlock);
    status(`claimed from ${done} pool(s)`, "ok");
  } catch (err) {
    status(`claim stopped after ${done} of ${byPool.size} pool(s): ${describeError(err, errors)}`, "error");
  }
  await route(false);
}

async function artifactPage(main: HTMLElement, digest: string): Promise<void> {
  const [a, graph] = await Promise.all([
    api(`/kc/artifacts/${digest}`),
    api<{ root: string; nodes: LineageNode[]; edges: LineageEdge[] }>(`/kc/lineage/${digest}?depth=3`),
  ]);
  const r = a.artifact;
  const total = a.contributors.reduce((s: bigint, c: any) => s + BigInt(c.share), 0n);
  const list = (xs: string[]) =>
    xs.length ? xs.map((d) => `<a href="#/artifact/${d}" class="mono">${short(d)}</a>`).join(", ") : "none";
  main.innerHTML =
    `<h1>${esc(r.kindName)} <span class="mono">${short(r.digest)}</span>${r.retracted ? " (retracted)" : ""}</h1>` +
    `<table id="record"><tbody>` +
    `<tr><th>Digest</th><td class="mono">${esc(r.digest)}</td></tr>` +
    `<tr><th>Kind</th><td>${esc(r.kindName)}</td></tr><tr><th>Scheme</th><td>${esc(r.schemeName)}</td></tr>` +
    `<tr><th>URI</th><td class="mono">${esc(r.uri || "—")}</td></tr>` +
    `<tr><th>Owner</th><td class="mono">${esc(r.owner)}</td></tr>` +
    `<tr><th>Upstream</th><td>${r.upstreamBps / 100}% to its parents (minimum it asks of derivatives: ${r.minUpstreamBps / 100}%)</td></tr>` +
    `<tr><th>Registered</th><td>block ${r.blockNumber}, ${new Date(Number(r.timestamp) * 1000).toISOString()}</td></tr>` +
    (r.retracted ? `<tr><th>Retracted</th><td>${esc(r.retractReason ?? "")}</td></tr>` : "") +
    `<tr><th>Parents</th><td>${list(a.parents)}</td></tr><tr><th>Children</th><td>${list(a.children)}</td></tr>` +
    (r.previous ? `<tr><th>Previous version</th><td>${list([r.previous])}</td></tr>` : "") +
    (a.nextVersions.length ? `<tr><th>Next version</th><td>${list(a.nextVersions)}</td></tr>` : "") +
    `</tbody></table>` +
    `<h2>Contributors</h2><table id="contributors"><thead><tr><th>Slot</th><th>Account</th><th class="num">Share</th></tr></thead><tbody>` +
    a.contributors
      .map(
        (c: any) =>
          `<tr><td>${c.slot}</td><td class="mono"><a href="#/rewards/${c.account}">${esc(c.account)}</a></td>` +
          `<td class="num">${c.share} (${((Number(c.share) * 100) / Number(total)).toFixed(2)}%)</td></tr>`,
      )
      .join("") +
    `</tbody></table>` +
    `<h2>Pools</h2><p>${a.pools.length ? a.pools.map((m: any) => `<a href="#/pool/${m.poolId}">pool ${m.poolId}</a> (weight ${m.weight})`).join(", ") : "in no pool"}</p>` +
    `<h2>Lineage</h2><p class="muted">parents on the left, derivatives on the right; click a box to walk the graph</p>` +
    `<div id="lineage">${lineageSvg(graph.root, graph.nodes, graph.edges)}</div>`;
}

async function artifactsPage(main: HTMLElement): Promise<void> {
  const { artifacts } = await api(`/kc/artifacts?limit=100`);
  main.innerHTML =
    `<h1>Artifacts</h1><form id="go"><input name="d" placeholder="0x… digest"/> <button>Open</button></form>` +
    `<table><thead><tr><th>Digest</th><th>Kind</th><th>URI</th><th>Block</th></tr></thead><tbody>` +
    artifacts
      .map(
        (r: any) =>
          `<tr><td><a class="mono" href="#/artifact/${r.digest}">${short(r.digest)}</a></td>` +
          `<td>${["dataset", "model", "agent", "code", "prompt", "document", "other"][r.kind] ?? r.kind}</td>` +
          `<td class="mono">${esc(r.uri)}</td><td>${r.blockNumber}</td></tr>`,
      )
      .join("") +
    `</tbody></table>`;
  $("#go", main).addEventListener("submit", (e) => {
    e.preventDefault();
    location.hash = `#/artifact/${(new FormData(e.target as HTMLFormElement).get("d") as string).trim()}`;
  });
}

async function poolsPage(main: HTMLElement): Promise<void> {
  const { pools } = await api(`/kc/pools`);
  const rows = await Promise.all(
    pools.map(
      async (p: any) =>
        `<tr><td><a href="#/pool/${p.poolId}">pool ${p.poolId}</a></td><td class="mono">${esc(p.curator)}</td>` +
        `<td class="num">${p.view.totalWeight}</td><td class="num">${await amount(p.funded, p.token)}</td>` +
        `<td class="num">${await amount(p.claimed, p.token)}</td></tr>`,
    ),
  );
  main.innerHTML =
    `<h1>Pools</h1><table><thead><tr><th>Pool</th><th>Curator</th><th class="num">Total weight</th>` +
    `<th class="num">Funded</th><th class="num">Claimed</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

async function poolPage(main: HTMLElement, id: string): Promise<void> {
  const p = await api(`/kc/pools/${id}`);
  const v = p.pool.view;
  const t = p.pool.token;
  const streams = await Promise.all(
    p.streams.map(
      async (s: any) =>
        `<tr><td class="mono">${esc(s.funder)}</td><td class="num">${await amount(s.amount, t)}</td>` +
        `<td class="num">${await amount(s.released, t)}</td><td>${new Date(Number(s.start) * 1000).toISOString()} → ` +
        `${new Date(Number(s.end) * 1000).toISOString()}</td><td>${s.cancelable ? "yes" : "no"}</td><td>${s.status}</td></tr>`,
    ),
  );
  main.innerHTML =
    `<h1>Pool ${esc(id)}</h1><table id="pool"><tbody>` +
    `<tr><th>Token</th><td class="mono">${esc(t)} (${esc((await token(t)).symbol)})</td></tr>` +
    `<tr><th>Curator</th><td class="mono">${esc(v.curator)}</td></tr>` +
    `<tr><th>Curation delay</th><td>${v.curationDelay} s</td></tr>` +
    `<tr><th>Funded</th><td>${await amount(p.pool.funded, t)}</td></tr>` +
    `<tr><th>Claimed</th><td>${await amount(p.pool.claimed, t)}</td></tr>` +
    `<tr><th>Still streaming</th><td>${await amount(v.streaming, t)}</td></tr>` +
    `<tr><th>Carried forward</th><td>${await amount(v.carried, t)}</td></tr></tbody></table>` +
    `<h2>Members</h2><table><thead><tr><th>Artifact</th><th class="num">Weight</th></tr></thead><tbody>` +
    p.members
      .filter((m: any) => m.weight !== "0")
      .map(
        (m: any) =>
          `<tr><td><a class="mono" href="#/artifact/${m.artifact}">${short(m.artifact)}</a></td><td class="num">${m.weight}</td></tr>`,
      )
      .join("") +
    `</tbody></table><h2>Streams</h2><table><thead><tr><th>Funder</th><th class="num">Amount</th><th class="num">Released</th>` +
    `<th>Schedule</th><th>Cancelable</th><th>Status</th></tr></thead><tbody>${streams.join("")}</tbody></table>` +
    `<h2>Pending curation changes</h2><p>${p.pendingChanges.length ? p.pendingChanges.map((c: any) => `#${c.changeId} after ${new Date(Number(c.executeAfter) * 1000).toISOString()}`).join(", ") : "none"}</p>`;
}

// ── router ───────────────────────────────────────────────────────────────────────────────────────────────────

async function route(clearStatus = true): Promise<void> {
  const main = $("#main");
  const [, page, arg] = location.hash.split("/");
  if (clearStatus) status("");
  main.dataset.page = "loading";
  try {
    if (page === "artifact" && arg) await artifactPage(main, arg);
    else if (page === "artifacts") await artifactsPage(main);
    else if (page === "pools") await poolsPage(main);
    else if (page === "pool" && arg) await poolPage(main, arg);
    else await rewardsPage(main, page === "rewards" && arg ? arg : undefined);
    main.dataset.page = page || "rewards";
  } catch (err) {
    main.dataset.page = "error";
    main.innerHTML = "";
    status(describeError(err, errors), "error");
  }
}

async function start(): Promise<void> {
  config = (await (await fetch("config.json")).json()) as Config;
  reader = new JsonRpcProvider(config.rpcUrl, config.chainId, { staticNetwork: true });
  discover(renderWallet);
  renderWallet();
  window.addEventListener("hashchange", () => route());
  await route();
}

void start();
