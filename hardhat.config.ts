import "dotenv/config";
import { existsSync } from "node:fs";
import { join } from "node:path";

import { subtask, type HardhatUserConfig } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
// Types only: which plugins load is decided below.
import type {} from "@nomicfoundation/hardhat-toolbox";

import { EnvError, remoteNetworkFromEnv } from "./config/networks";
import { offlineSolcBuild } from "./config/solc";
import { exitWithError, kcCommandLine, preflight, taskNeedsAccount } from "./tasks/kc/cli";
import { kc } from "./tasks/kc/common";
import "./tasks";

export const SOLC_VERSION = "0.8.30";

// Offline compilers from npm (see config/solc.ts); nothing is ever downloaded.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async ({ solcVersion }: { solcVersion: string }) =>
  offlineSolcBuild(solcVersion, SOLC_VERSION),
);

const kcLine = kcCommandLine();

/**
 * Plugins. A `kc` command needs only hardhat-ethers, plus Ignition for `kc deploy`; the toolbox's
 * others (chai matchers, gas reporter, coverage, verify, typechain) cost seconds of start-up on every
 * command. Everything else (tests, compile, scripts, help), and a kc command on a clean checkout whose
 * artifacts must still be compiled (with typechain), gets the whole toolbox.
 */
function loadPlugins(): void {
  const compiled = existsSync(join(__dirname, "artifacts", "contracts", "RewardPools.sol"));
  if (kcLine?.task === undefined || kcLine.help || !compiled) {
    require("@nomicfoundation/hardhat-toolbox");
    return;
  }
  require("@nomicfoundation/hardhat-ethers");
  if (kcLine.task === "deploy") require("@nomicfoundation/hardhat-ignition-ethers");
}
loadPlugins();

/**
 * The remote network from `.env`, validated before Hardhat reads it: a malformed variable the command
 * needs fails in one line naming it; one it does not need is dropped with a one-line warning.
 */
function remoteNetworks() {
  try {
    return remoteNetworkFromEnv(process.env, process.argv, {
      // Only a kc task without --from is known to send nothing; anything else may need the account.
      needsAccount: kcLine === undefined || taskNeedsAccount(kc, kcLine.task),
      // Once: `hardhat run` loads this config again in the script's own process, which inherits env.
      warn: (line) => {
        if (process.env.KC_ENV_WARNED) return;
        process.env.KC_ENV_WARNED = "1";
        process.stderr.write(`${line}\n`);
      },
    });
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    exitWithError(error.message, "config");
  }
}

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // Tuned for call cost: registrations and claims run far more often than deployments.
      optimizer: { enabled: true, runs: 10_000 },
      // Cancun: transient storage and mcopy (used by OpenZeppelin 5.7) are live on Ethereum L1 and on
      // the major L2s (Arbitrum, Optimism, Base, Polygon PoS, zkSync-era EVM); Prague/Osaka opcodes add
      // nothing we use and are not yet everywhere.
      evmVersion: "cancun",
      viaIR: true,
    },
  },
  // Set here too: the Ignition plugin, which would default it, loads only for `kc deploy` (see above).
  paths: { ignition: join(__dirname, "ignition") },
  defaultNetwork: "hardhat",
  networks: {
    hardhat: {},
    localhost: { url: "http://127.0.0.1:8545" },
    ...remoteNetworks(),
  },
  etherscan: { apiKey: process.env.ETHERSCAN_API_KEY ?? "" },
  sourcify: { enabled: false },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    currency: "USD",
    offline: true,
    excludeContracts: ["mocks/"],
  },
  mocha: { timeout: 120_000 },
};

// Unknown kc tasks, flags and networks: one line now, rather than Hardhat's banner later.
preflight(kc, Object.keys(config.networks ?? {}), kcLine);

export default config;
