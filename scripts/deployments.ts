/**
 * `npm run deployments`: records the addresses of every non-local Ignition deployment
 * (`ignition/deployments/chain-<id>/`) in `src/deployments.json`, the map the package ships
 * (`DEPLOYMENTS`, `deploymentOf(chainId)`). Local chains (31337, 1337) are skipped. Commit the result.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { DEV_CHAIN_IDS, FUTURE_IDS, firstBlock } from "../tasks/lib/contracts";
import { PROGRAMS_FUTURE_ID } from "../tasks/lib/epochs";

const ROOT = join(__dirname, "..");
const DIR = join(ROOT, "ignition", "deployments");
const OUT = join(ROOT, "src", "deployments.json");

const map: Record<string, Record<string, string | number>> = JSON.parse(readFileSync(OUT, "utf8"));
for (const name of existsSync(DIR) ? readdirSync(DIR) : []) {
  const match = /^chain-(\d+)$/.exec(name);
  if (!match || DEV_CHAIN_IDS.includes(BigInt(match[1]))) continue;
  const file = join(DIR, name, "deployed_addresses.json");
  if (!existsSync(file)) continue;
  const addresses: Record<string, string> = JSON.parse(readFileSync(file, "utf8"));
  map[match[1]] = {
    ...(addresses[FUTURE_IDS.registry] ? { registry: addresses[FUTURE_IDS.registry] } : {}),
    ...(addresses[FUTURE_IDS.pools] ? { pools: addresses[FUTURE_IDS.pools] } : {}),
    ...(addresses[PROGRAMS_FUTURE_ID] ? { programs: addresses[PROGRAMS_FUTURE_ID] } : {}),
    fromBlock: firstBlock(join(DIR, name)),
  };
  console.log(`chain ${match[1]}: ${JSON.stringify(map[match[1]])}`);
}
writeFileSync(OUT, `${JSON.stringify(map, null, 2)}\n`);
console.log(`wrote ${Object.keys(map).length} chain(s) to src/deployments.json`);
