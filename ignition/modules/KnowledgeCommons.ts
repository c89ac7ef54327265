import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import RewardPoolsModule from "./RewardPools";
import ScoredProgramsModule from "./ScoredPrograms";

/** The whole suite: registry, pools and scored programs. Add CommunityToken separately on local and test networks. */
export default buildModule("KnowledgeCommons", (m) => {
  const { registry, pools } = m.useModule(RewardPoolsModule);
  const { programs } = m.useModule(ScoredProgramsModule);
  return { registry, pools, programs };
});
