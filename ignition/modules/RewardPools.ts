import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import KnowledgeRegistryModule from "./KnowledgeRegistry";

/** The pools singleton, bound to the registry deployed by the KnowledgeRegistry module. */
export default buildModule("RewardPools", (m) => {
  const { registry } = m.useModule(KnowledgeRegistryModule);
  const pools = m.contract("RewardPools", [registry]);
  return { registry, pools };
});
