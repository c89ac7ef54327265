import type { HardhatRuntimeEnvironment } from "hardhat/types";

/**
 * Time travel for the in-process Hardhat network, which has no wall clock worth waiting for: moves chain
 * time forward and mines. Undefined on every other network, where waits are real.
 */
export function advanceTimeFor(
  hre: HardhatRuntimeEnvironment,
): ((seconds: number) => Promise<void>) | undefined {
  if (hre.network.name !== "hardhat") return undefined;
  return async (seconds) => {
    await hre.network.provider.send("evm_increaseTime", [seconds]);
    await hre.network.provider.send("evm_mine", []);
  };
}
