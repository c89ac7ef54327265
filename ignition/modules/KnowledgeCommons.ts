import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import RewardPoolsModule from "./RewardPools";

/** The whole suite: registry and pools. Add CommunityToken separately on local and test networks. */
export default buildModule("KnowledgeCommons", (m) => {
  const { registry, pools } = m.useModule(RewardPoolsModule);
  return { registry, pools };
});
