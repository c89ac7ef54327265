/**
 * Knowledge Commons web app: reads from the index (Ponder, `npm run index`), writes through an injected wallet.
 * Every transaction is simulated (eth_call of the same call, from the same account) before the wallet is asked;
 * a revert shows the CLI's one-line reason (src/decodeError.ts).
 */
import { BrowserProvider, JsonRpcProvider, getAddress } from "ethers";

import { describeError } from "../../src/decodeError";
import { $, type Config, errors, esc, state, status } from "./core";
import { artifactPage, artifactsPage } from "./pages/artifact";
import { poolPage, poolsPage } from "./pages/pools";
import { relayPage } from "./pages/relay";
import { programsPage } from "./pages/programs";
import { rewardsPage } from "./pages/rewards";
import { discover, wallets, type Eip1193 } from "./wallet";

// ── wallet ───────────────────────────────────────────────────────────────────────────────────────────────────

function renderWallet(): void {
  const el = $("#wallet");
  if (state.account) {
    el.innerHTML = `<span class="mono" id="account">${esc(state.account)}</span>`;
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

/**
 * ethers keeps identical reads for 250 ms by default; a simulation repeated right after the chain moved (a
 * change became due, a commitment was mined) must see the new state, so nothing is cached.
 */
function walletProvider(provider: Eip1193): BrowserProvider {
  return new BrowserProvider(provider as never, state.config.chainId, { cacheTimeout: -1 });
}

async function connect(provider: Eip1193): Promise<void> {
  try {
    status("asking the wallet for an account…");
    const accounts = (await provider.request({ method: "eth_requestAccounts" })) as string[];
    const chainId = Number(await provider.request({ method: "eth_chainId" }));
    if (chainId !== state.config.chainId) {
      await provider.request({
        method: "wallet_switchEthereumChain",
        params: [{ chainId: `0x${state.config.chainId.toString(16)}` }],
      });
    }
    state.injected = provider;
    state.account = getAddress(accounts[0]);
    state.signer = await walletProvider(provider).getSigner(state.account);
    provider.on?.("accountsChanged", (a: string[]) => {
      state.account = a[0] ? getAddress(a[0]) : undefined;
      state.signer = undefined;
      if (state.account)
        walletProvider(state.injected!)
          .getSigner(state.account)
          .then((s) => (state.signer = s));
      renderWallet();
      route();
    });
    status(`connected ${state.account}`, "ok");
    renderWallet();
    route();
  } catch (err) {
    status(`could not connect: ${describeError(err, errors)}`, "error");
  }
}

// ── router ───────────────────────────────────────────────────────────────────────────────────────────────────

type Page = (main: HTMLElement, arg?: string) => Promise<void>;
/** `#/<name>/<arg>` → page; a page that needs `arg` falls back to its list without one. */
const pages: Record<string, Page> = {
  rewards: (main, who) => rewardsPage(main, who),
  artifacts: (main) => artifactsPage(main),
  artifact: (main, digest) => (digest ? artifactPage(main, digest) : artifactsPage(main)),
  pools: (main) => poolsPage(main),
  pool: (main, id) => (id ? poolPage(main, id) : poolsPage(main)),
  relay: (main) => relayPage(main),
  programs: (main, id) => programsPage(main, id),
  register: (main) => import("./pages/register").then((m) => m.registerPage(main)),
};

async function route(clearStatus = true): Promise<void> {
  const main = $("#main");
  const [, name, arg] = location.hash.split("/");
  const page = pages[name] ? name : "rewards";
  if (clearStatus) status("");
  main.dataset.page = "loading";
  try {
    await pages[page](main, arg || undefined);
    main.dataset.page = page;
  } catch (err) {
    main.dataset.page = "error";
    main.innerHTML = "";
    status(describeError(err, errors), "error");
  }
}

async function start(): Promise<void> {
  state.config = (await (await fetch("config.json")).json()) as Config;
  state.reader = new JsonRpcProvider(state.config.rpcUrl, state.config.chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  state.refresh = route;
  discover(renderWallet);
  renderWallet();
  window.addEventListener("hashchange", () => route());
  await route();
}

void start();
