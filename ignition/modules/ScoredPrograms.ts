import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The scored-programs singleton (usage-based Merkle rewards). It needs no registry address: roots are computed
 * off-chain from the registry's state at a block. */
export default buildModule("ScoredPrograms", (m) => {
  const programs = m.contract("ScoredPrograms", []);
  return { programs };
});
