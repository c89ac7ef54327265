/**
 * Config for the gas benchmark only (`npm run bench`): the main config plus the peers' sources.
 *
 * Sources are `bench/contracts/`, import shims that pull in this project's contracts (`contracts/`, same
 * compiler and settings as the main build) and the peers from their npm packages. Artifacts and cache go to
 * `bench/artifacts` and `bench/cache`, and typechain is off, so the main build is never touched.
 */
import type { HardhatUserConfig, SolcUserConfig } from "hardhat/types";

import baseConfig, { SOLC_VERSION } from "./hardhat.config";

const main = baseConfig.solidity as SolcUserConfig;

/** EAS's own release settings (its deployments' metadata), on our EVM version so opcodes are comparable. */
const EAS_COMPILER: SolcUserConfig = {
  version: "0.8.29",
  settings: {
    optimizer: { enabled: true, runs: 1_000_000 },
    viaIR: true,
    evmVersion: main.settings.evmVersion,
  },
};

const config: HardhatUserConfig = {
  ...baseConfig,
  solidity: {
    // A file compiles with the newest listed version its pragmas allow: ours and OZ 4.9 get 0.8.30, EAS 0.8.29.
    compilers: [{ version: SOLC_VERSION, settings: main.settings }, EAS_COMPILER],
  },
  paths: {
    ...baseConfig.paths,
    sources: "bench/contracts",
    artifacts: "bench/artifacts",
    cache: "bench/cache",
  },
  typechain: { ...baseConfig.typechain, dontOverrideCompile: true },
  gasReporter: { enabled: false },
};

export default config;
