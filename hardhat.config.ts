import "dotenv/config";
import { subtask, type HardhatUserConfig } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";

import { MissingEnvError, remoteNetworkFromEnv } from "./config/networks";
import { offlineSolcBuild } from "./config/solc";
import "./tasks";

export const SOLC_VERSION = "0.8.30";

// Offline compilers from npm (see config/solc.ts); nothing is ever downloaded.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async ({ solcVersion }: { solcVersion: string }) =>
  offlineSolcBuild(solcVersion, SOLC_VERSION),
);

/** Fails before any task runs, in one line, when `--network remote` lacks its variables. */
function remoteNetworks() {
  try {
    return remoteNetworkFromEnv();
  } catch (error) {
    if (!(error instanceof MissingEnvError)) throw error;
    console.error(`error: ${error.message}`);
    process.exit(1);
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

export default config;
