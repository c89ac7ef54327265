// `npm run app`: builds the app and serves app/dist on 127.0.0.1:${KC_APP_PORT:-5173}, with a config.json that
// points it at the chain in .env (RPC_URL, CHAIN_ID, KC_REGISTRY/KC_POOLS or the Ignition deployment record) or
// at a local `npx hardhat node` (KC_PROGRAMS: the optional ScoredPrograms), and at the index (KC_INDEX_URL, default http://127.0.0.1:42069, `npm run index`).
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

import { config as loadEnv } from "dotenv";

import { DIST, buildApp } from "./build.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
loadEnv({ path: join(ROOT, ".env"), quiet: true });
const env = (name) => process.env[name]?.trim() || undefined;

export function appConfig() {
  const chainId = Number(env("CHAIN_ID") ?? 31337);
  const file = join(
    ROOT,
    "ignition",
    "deployments",
    env("KC_DEPLOYMENT_ID") ?? `chain-${chainId}`,
    "deployed_addresses.json",
  );
  const recorded = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const registry = env("KC_REGISTRY") ?? recorded["KnowledgeRegistry#KnowledgeRegistry"];
  const pools = env("KC_POOLS") ?? recorded["RewardPools#RewardPools"];
  if (!registry || !pools) {
    throw new Error(
      `no contract addresses for chain ${chainId}: set KC_REGISTRY and KC_POOLS, or deploy first`,
    );
  }
  // Scored programs are optional; the record's address only goes with the record's registry.
  const programs =
    env("KC_PROGRAMS") ?? (env("KC_REGISTRY") ? undefined : recorded["ScoredPrograms#ScoredPrograms"]);
  return {
    indexUrl: env("KC_INDEX_URL") ?? "http://127.0.0.1:42069",
    rpcUrl: env("RPC_URL") ?? "http://127.0.0.1:8545",
    chainId,
    registry,
    pools,
    ...(programs ? { programs } : {}),
  };
}

const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".map": "application/json",
};

export async function serveApp({ port = Number(env("KC_APP_PORT") ?? 5173), quiet = false } = {}) {
  const cfg = appConfig();
  await buildApp({ quiet });
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (path === "/config.json") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      return res.end(JSON.stringify(cfg));
    }
    const file = normalize(join(DIST, path === "/" ? "index.html" : path));
    if (!file.startsWith(DIST) || !existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end("not found");
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  if (!quiet) console.log(`app: ${url} (chain ${cfg.chainId} at ${cfg.rpcUrl}, index ${cfg.indexUrl})`);
  return { url, close: () => new Promise((r) => server.close(r)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serveApp();
