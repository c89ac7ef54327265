/**
 * `npm run pack:check`: proves the package works where an integrator uses it. Builds the SDK, packs it
 * with `npm pack`, installs the tarball into a fresh temporary project (dependencies from the npm cache
 * first), and there: `require`s and `import`s it, hashes a file, deploys a registry from the shipped
 * typechain factory on a `hardhat node`, registers and reads an artifact through plain ethers and the
 * `Registry` client, checks that a revert comes back as one decoded line, and type-checks a consumer
 * `.ts` file with tsc. Exits non-zero on any failure.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const BIN = join(ROOT, "node_modules", ".bin");
/** Account #0 of `hardhat node`'s well-known development mnemonic. */
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

const started = Date.now();
const step = (what: string) => console.log(`\n== ${what} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startNode(): Promise<{ url: string; node: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const node = spawn(join(BIN, "hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    detached: true,
    stdio: "ignore",
  });
  for (let tries = 0; tries < 240; tries++) {
    try {
      const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      if (res.ok) return { url, node };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`hardhat node did not answer on ${url}`);
}

const CHECK_CJS = `
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const { Contract, JsonRpcProvider, Wallet, sha256 } = require("ethers");
const kc = require("knowledge-commons");
const { KnowledgeRegistry__factory } = require("knowledge-commons/typechain");
const registryJson = require("knowledge-commons/abi/KnowledgeRegistry.json");

async function main() {
  // Hash a file: the raw digest is the SHA-256 of its bytes; the default (UnixFS) mode gives a CID.
  const raw = await kc.hashFile("sample.txt");
  assert.equal(raw, sha256(readFileSync("sample.txt")));
  const ipfs = await kc.hashPath("sample.txt");
  const cid = await kc.cidOf(ipfs.digest, ipfs.scheme);
  assert.match(cid, /^baf/);

  // A registry deployed from the shipped factory, written through the SDK, read through plain ethers.
  const provider = new JsonRpcProvider(process.env.RPC_URL);
  const wallet = new Wallet(process.env.KEY, provider);
  const deployed = await new KnowledgeRegistry__factory(wallet).deploy(0, 0, "");
  await deployed.waitForDeployment();
  const address = await deployed.getAddress();
  const registry = new kc.Registry(address, wallet);
  const outcome = await registry.register({
    digest: raw, kind: 0, uri: "ipfs://sample", contributors: [{ account: wallet.address, share: 1n }],
    parents: [], upstreamBps: 0, minUpstreamBps: 0,
  });
  assert.match(outcome.txHash, /^0x[0-9a-f]{64}$/);
  const plain = new Contract(address, registryJson, provider);
  const info = await plain.artifact(raw);
  assert.equal(info.owner, wallet.address);
  assert.deepEqual(JSON.parse(JSON.stringify(kc.knowledgeRegistryAbi)), registryJson);

  // A second registration reverts: one decoded line, nothing sent.
  const nonce = await provider.getTransactionCount(wallet.address);
  await assert.rejects(
    kc.sendPlan({ steps: [kc.callStep(registry.contract, "register", [{
      digest: raw, kind: 0, scheme: 0, uri: "", contributors: [{ account: wallet.address, share: 1 }],
      parents: [], upstreamBps: 0, minUpstreamBps: 0, secret: "0x" + "00".repeat(32) }], "register again")], notes: [] }, wallet),
    (err) => err instanceof kc.KcError && /^reverted: ArtifactExists\\(digest=/.test(err.message),
  );
  assert.equal(await provider.getTransactionCount(wallet.address), nonce);
  console.log(JSON.stringify({ require: "ok", digest: raw, cid, registry: address, owner: info.owner }));
  provider.destroy();
}
main().catch((err) => { console.error(err); process.exit(1); });
`;

const CHECK_MJS = `
import assert from "node:assert/strict";
import { Registry, Pools, Programs, TX_GAS_CAP, sendPlan, rewardPoolsAbi, DEPLOYMENTS } from "knowledge-commons";
import { knowledgeRegistryAbi } from "knowledge-commons/abi";
assert.equal(typeof Registry, "function");
assert.equal(typeof Pools, "function");
assert.equal(typeof Programs, "function");
assert.equal(typeof sendPlan, "function");
assert.equal(TX_GAS_CAP, 16777216n);
assert.ok(Array.isArray(rewardPoolsAbi) && Array.isArray(knowledgeRegistryAbi));
assert.equal(typeof DEPLOYMENTS, "object");
console.log(JSON.stringify({ import: "ok" }));
`;

const CONSUMER_TS = `
import { JsonRpcProvider, Wallet } from "ethers";
import {
  type Plan,
  type PlanResult,
  Pools,
  Registry,
  type RegistrationInput,
  deploymentOf,
  describeError,
  knowledgeRegistryAbi,
  sendPlan,
} from "knowledge-commons";
import type { KnowledgeRegistry, RewardPools } from "knowledge-commons/typechain";

// The ABIs are \`as const\`: literal types a viem- or abitype-style consumer can infer from.
const first: (typeof knowledgeRegistryAbi)[number]["type"] = "function";

export async function example(rpc: string, key: string): Promise<bigint> {
  const provider = new JsonRpcProvider(rpc);
  const wallet = new Wallet(key, provider);
  const known = deploymentOf((await provider.getNetwork()).chainId);
  const registry = new Registry(known?.registry ?? "0x0000000000000000000000000000000000000001", wallet);
  const pools = new Pools(known?.pools ?? "0x0000000000000000000000000000000000000002", wallet);
  const typed: KnowledgeRegistry = registry.contract;
  const typedPools: RewardPools = pools.contract;
  const input: RegistrationInput = {
    digest: "0x" + "11".repeat(32),
    kind: 0,
    uri: "",
    contributors: [{ account: wallet.address, share: 1n }],
    parents: [],
    upstreamBps: 0,
    minUpstreamBps: 0,
  };
  try {
    await registry.register(input);
  } catch (err) {
    console.log(describeError(err));
  }
  const plan: Plan = { steps: [], notes: [] };
  const result: PlanResult | undefined = plan.steps.length > 0 ? await sendPlan(plan, wallet) : undefined;
  void [first, typed, typedPools, result];
  return (await pools.pool(1n)).totalWeight;
}
`;

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), "kc-pack-"));
  let node: ChildProcess | undefined;
  try {
    step("build the SDK (npm run build:sdk)");
    run("npm", ["run", "--silent", "build:sdk"], ROOT);

    step("npm pack");
    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", tmp], ROOT))[0];
    const tarball = join(tmp, packed.filename);
    const paths: string[] = packed.files.map((f: { path: string }) => f.path);
    console.log(`${packed.filename}: ${paths.length} files, ${packed.size} bytes`);
    const unwanted = paths.filter(
      (p) => /^(test|tasks|scripts|bench|ignition|contracts|config)\//.test(p) || /\.test\./.test(p),
    );
    if (unwanted.length > 0) throw new Error(`the tarball ships files it should not: ${unwanted.join(", ")}`);
    for (const needed of [
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/abi/KnowledgeRegistry.json",
      "dist/typechain-types/index.js",
      "dist/src/deployments.json",
    ]) {
      if (!paths.includes(needed)) throw new Error(`the tarball lacks ${needed}`);
    }

    step("install the tarball into a fresh project (npm cache first)");
    const app = join(tmp, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "kc-consumer", version: "1.0.0", private: true }),
    );
    run(
      "npm",
      [
        "install",
        tarball,
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--loglevel=error",
      ],
      app,
    );
    writeFileSync(join(app, "sample.txt"), "Knowledge Commons pack check\n");
    writeFileSync(join(app, "check.cjs"), CHECK_CJS);
    writeFileSync(join(app, "check.mjs"), CHECK_MJS);
    writeFileSync(join(app, "consumer.ts"), CONSUMER_TS);

    step("import it (ESM)");
    console.log(run(process.execPath, ["check.mjs"], app).trim());

    step("start a hardhat node");
    const started = await startNode();
    node = started.node;

    step("require it (CommonJS): hash a file, deploy, register and read through plain ethers");
    console.log(
      run(process.execPath, ["check.cjs"], app, { ...process.env, RPC_URL: started.url, KEY }).trim(),
    );

    step("type-check a consumer .ts file (tsc, node16 resolution: the exports map)");
    run(
      join(BIN, "tsc"),
      [
        "--noEmit",
        "--strict",
        "--module",
        "node16",
        "--moduleResolution",
        "node16",
        "--target",
        "es2022",
        "--skipLibCheck",
        "false",
        "--typeRoots",
        join(ROOT, "node_modules", "@types"),
        "--types",
        "node",
        "consumer.ts",
      ],
      app,
    );
    console.log("consumer.ts type-checks");
    step(`pack check passed`);
  } finally {
    if (node?.pid !== undefined && node.exitCode === null) process.kill(-node.pid, "SIGTERM");
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`pack check failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
