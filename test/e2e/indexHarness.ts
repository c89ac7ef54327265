import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { type CliNode, ROOT, freePort } from "./harness";

/** The deployment every app/index e2e suite starts from: commit-reveal off, tokenURI served by the index. */
export async function deployForIndex(
  cli: CliNode,
  indexPort: number,
): Promise<{ registry: string; pools: string; programs: string; token: string }> {
  const parameters = join(cli.tmp, "parameters.json");
  writeFileSync(
    parameters,
    JSON.stringify({
      KnowledgeRegistry: { minCommitAge: 0, baseTokenURI: `http://127.0.0.1:${indexPort}/kc/metadata/` },
    }),
  );
  const out = await cli.kcJson("deploy", "--token", "--parameters", parameters);
  return { registry: out.registry, pools: out.pools, programs: out.programs, token: out.token.address };
}

export interface RunningIndex {
  url: string;
  /** Resolves once the index has processed block `n`. */
  reached(n: number, timeoutMs?: number): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `npm run index`, as a process of its own, on `port`, with its embedded database in a scratch folder. */
export async function startIndex(options: {
  rpcUrl: string;
  registry: string;
  pools: string;
  /** ScoredPrograms; without it the index has no programs. */
  programs?: string;
  /** KC_EPOCHS_DIR: where the API looks first for epoch files. */
  epochsDir?: string;
  port?: number;
}): Promise<RunningIndex> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "kc-index-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RPC_URL: options.rpcUrl,
    CHAIN_ID: "31337",
    KC_REGISTRY: options.registry,
    KC_POOLS: options.pools,
    KC_PROGRAMS: options.programs ?? "",
    KC_EPOCHS_DIR: options.epochsDir ?? "",
    KC_START_BLOCK: "0",
    KC_INDEX_DIR: join(dir, "pglite"),
    PONDER_TELEMETRY_DISABLED: "true",
    DATABASE_URL: "",
  };
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(ROOT, "node_modules", "ponder", "dist", "esm", "bin", "ponder.js"),
      "start",
      "--root",
      "indexer",
    ].concat(["--schema", "kc", "--port", String(port), "--hostname", "127.0.0.1"]),
    { cwd: ROOT, env, detached: true },
  );
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const running: RunningIndex = {
    url,
    log: () => log,
    async reached(n, timeoutMs = 180_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the index exited ${child.exitCode}:\n${log}`);
        try {
          const res = await fetch(`${url}/status`);
          if (res.ok) {
            const status = (await res.json()) as { chain?: { block?: { number: number } } };
            if ((status.chain?.block?.number ?? -1) >= n) return;
          }
        } catch {
          // not listening yet
        }
        if (Date.now() > until)
          throw new Error(`the index did not reach block ${n} in ${timeoutMs} ms:\n${log}`);
        await sleep(250);
      }
    },
    async stop() {
      if (child.pid !== undefined && child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        process.kill(-child.pid, "SIGTERM");
        await Promise.race([exited, sleep(10_000)]);
        if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return running;
}
