import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { type BrowserContext, type Page, chromium } from "playwright-core";

import { type CliNode, ROOT, freePort, startCliNode } from "./harness";
import { type History, scriptedHistory } from "./history";
import { type RunningIndex, deployForIndex, startIndex } from "./indexHarness";

/**
 * The stack every app end-to-end suite runs against: a hardhat node with the contracts deployed and a scripted
 * history, the index (`npm run index`), the app (`npm run app`), and headless Chromium (Debian's package, driven
 * by playwright-core) with a test wallet injected as an EIP-1193 provider (announced by EIP-6963) that forwards
 * to the node, whose accounts are unlocked. Console errors and page errors are collected in `problems`.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SHOTS = join(ROOT, "test", "e2e", "screenshots");

/** Runs in the page before the app: window.ethereum backed by the node's JSON-RPC, as account `account`. */
export function injectWallet({
  rpcUrl,
  account,
  chainId,
}: {
  rpcUrl: string;
  account: string;
  chainId: number;
}) {
  let id = 0;
  const listeners: Record<string, ((...a: unknown[]) => void)[]> = {};
  const rpc = async (method: string, params: unknown) => {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
    });
    const body = await res.json();
    if (body.error)
      throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data });
    return body.result;
  };
  const provider = {
    isTestWallet: true,
    async request({ method, params }: { method: string; params?: unknown }) {
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
      if (method === "eth_chainId") return `0x${chainId.toString(16)}`;
      if (method === "wallet_switchEthereumChain") return null;
      if (method === "eth_sendTransaction") {
        const [tx] = params as [Record<string, unknown>];
        return rpc(method, [{ ...tx, from: account }]);
      }
      return rpc(method, params);
    },
    on(event: string, fn: (...a: unknown[]) => void) {
      (listeners[event] ??= []).push(fn);
    },
    removeListener() {},
  };
  const info = {
    uuid: "0b5e7c3a-test-wallet",
    name: "Test wallet",
    icon: "data:,",
    rdns: "org.example.testwallet",
  };
  const announce = () =>
    window.dispatchEvent(
      new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }),
    );
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
  (window as unknown as { ethereum: unknown }).ethereum = provider;
}

export interface AppStack {
  cli: CliNode;
  index: RunningIndex;
  addrs: { registry: string; pools: string; programs: string; token: string };
  history: History;
  rpcUrl: string;
  appUrl: string;
  context: BrowserContext;
  page: Page;
  /** Console and page errors seen so far; a suite asserts it stays empty. */
  problems: string[];
  stop(): Promise<void>;
}

/**
 * Starts the whole stack; `account` is the index into the history's accounts the wallet acts as (1 = alice).
 * Returns undefined (after printing why) when Chromium is missing outside CI, so the suite can skip.
 */
export async function startAppStack(
  label: string,
  { extraArtifacts = 0, account = 1 }: { extraArtifacts?: number; account?: number } = {},
): Promise<AppStack | undefined> {
  if (!existsSync(CHROMIUM)) {
    // CI installs it (.ci/run); on a developer's machine without it, say so instead of failing.
    if (process.env.CI) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    console.log(
      `      skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
    );
    return undefined;
  }
  mkdirSync(SHOTS, { recursive: true });
  const cli = await startCliNode(label);
  let index: RunningIndex | undefined;
  let app: ChildProcess | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  const stop = async () => {
    await context?.close();
    if (app?.pid !== undefined && app.exitCode === null) process.kill(-app.pid, "SIGTERM");
    await index?.stop();
    await cli.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  };
  try {
    const indexPort = await freePort();
    const addrs = await deployForIndex(cli, indexPort);
    const rpcUrl = (cli.provider as any)._getConnection().url as string;
    index = await startIndex({
      rpcUrl,
      registry: addrs.registry,
      pools: addrs.pools,
      programs: addrs.programs,
      // `kc epoch-build --dir <tmp>/epochs/chain-31337/program-<n>` writes where the index looks.
      epochsDir: join(cli.tmp, "epochs"),
      port: indexPort,
    });
    const history = await scriptedHistory(cli.provider, addrs, extraArtifacts);
    await index.reached(Number(await cli.provider.send("eth_blockNumber", [])));

    const appPort = await freePort();
    const appUrl = `http://127.0.0.1:${appPort}/`;
    app = spawn(process.execPath, [join(ROOT, "app", "serve.mjs")], {
      cwd: ROOT,
      env: {
        ...process.env,
        RPC_URL: rpcUrl,
        CHAIN_ID: "31337",
        KC_REGISTRY: addrs.registry,
        KC_POOLS: addrs.pools,
        KC_PROGRAMS: addrs.programs,
        KC_INDEX_URL: index.url,
        KC_APP_PORT: String(appPort),
      },
      detached: true,
    });
    let appLog = "";
    app.stdout!.on("data", (d) => (appLog += d));
    app.stderr!.on("data", (d) => (appLog += d));
    for (let i = 0; !appLog.includes(appUrl); i++) {
      if (app.exitCode !== null || i > 240) throw new Error(`npm run app failed:\n${appLog}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`      ${appLog.trim().split("\n").join("\n      ")}`);

    profile = mkdtempSync(join(tmpdir(), "kc-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
      viewport: { width: 1280, height: 900 },
    });
    await context.addInitScript(injectWallet, { rpcUrl, account: history.accounts[account], chainId: 31337 });
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    return { cli, index, addrs, history, rpcUrl, appUrl, context, page, problems, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
