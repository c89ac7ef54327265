import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { JsonRpcProvider } from "ethers";

/**
 * The end-to-end suites' shared harness: `npx hardhat node` in its own process on a free port, and every
 * `kc` task as a separate `hardhat kc … --network remote` process whose RPC_URL/MNEMONIC come from the
 * environment, exactly as `.env` would provide them.
 */

export const ROOT = join(__dirname, "..", "..");
// The hardhat binary itself rather than `npx hardhat`: npx adds its own warnings to stderr.
const HARDHAT = join(ROOT, "node_modules", ".bin", "hardhat");
export const MNEMONIC = "test test test test test test test test test test test junk";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliNode {
  provider: JsonRpcProvider;
  /** A scratch folder, removed by `stop`. */
  tmp: string;
  /** The Ignition deployment id the tasks use (env KC_DEPLOYMENT_ID); its record is removed by `stop`. */
  deploymentId: string;
  /** Runs `hardhat kc <args> --network remote`. */
  kc(...args: string[]): Promise<Run>;
  /** Runs `hardhat <args>` as given (no `--network` added), with `env` over the node's environment. */
  hardhat(args: string[], env?: NodeJS.ProcessEnv): Promise<Run>;
  /** Runs a task that must succeed with `--json`, returning its one JSON object. */
  kcJson(...args: string[]): Promise<Record<string, any>>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a `hardhat node` on a free port and returns the CLI bound to it. */
export async function startCliNode(label: string): Promise<CliNode> {
  const tmp = mkdtempSync(join(tmpdir(), "kc-e2e-"));
  const deploymentId = `e2e-${label}-${process.pid}-${Date.now()}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RPC_URL: url,
    MNEMONIC,
    PRIVATE_KEY: "",
    KC_DEPLOYMENT_ID: deploymentId,
    // The history index's cache, per run (the default is .kc/cache/ in the project).
    KC_CACHE_DIR: join(tmp, "kc-cache"),
  };
  for (const name of ["HARDHAT_NETWORK", "KC_REGISTRY", "KC_POOLS", "KC_PROGRAMS"]) delete env[name];
  // Its own process group, so `stop` can end the node and anything it started.
  const node: ChildProcess = spawn(
    process.execPath,
    [HARDHAT, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: ROOT, env, detached: true },
  );
  let nodeLog = "";
  node.stdout!.on("data", (d) => (nodeLog += d));
  node.stderr!.on("data", (d) => (nodeLog += d));
  for (let tries = 0; ; tries++) {
    if (node.exitCode !== null) throw new Error(`hardhat node exited:\n${nodeLog}`);
    try {
      const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      if (res.ok) break;
    } catch {
      // Two minutes: on a loaded machine the node takes far longer than its usual few seconds to start.
      if (tries > 480) throw new Error(`hardhat node did not answer on ${url}:\n${nodeLog}`);
      await sleep(250);
    }
  }
  // No read cache: ethers keeps identical reads for 250 ms, and a nonce read right after another script's
  // transaction from the same account would be the old one ("nonce already used").
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1 });

  const hardhat = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [HARDHAT, ...args], { cwd: ROOT, env: { ...env, ...extraEnv } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  const kc = (...args: string[]): Promise<Run> => hardhat(["kc", ...args, "--network", "remote"]);

  return {
    provider,
    tmp,
    deploymentId,
    kc,
    hardhat,
    async kcJson(...args) {
      const run = await kc(...args, "--json");
      if (run.code !== 0)
        throw new Error(`kc ${args.join(" ")} exited ${run.code}:\n${run.stderr}${run.stdout}`);
      return JSON.parse(run.stdout);
    },
    async stop() {
      provider.destroy();
      if (node.pid !== undefined && node.exitCode === null) {
        const exited = new Promise((r) => node.once("exit", r));
        process.kill(-node.pid, "SIGTERM");
        await Promise.race([exited, sleep(5_000)]);
      }
      rmSync(join(ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
