import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The registry. Parameters (ignition/parameters/<network>.json, key "KnowledgeRegistry"):
 * - minCommitAge: seconds a commitment must age before its reveal; 0 turns commit-reveal off.
 * - maxCommitAge: seconds after which a commitment expires (must exceed minCommitAge when that is on).
 * - baseTokenURI: tokenURI prefix for artifacts whose owner stored no URI.
 */
export default buildModule("KnowledgeRegistry", (m) => {
  const minCommitAge = m.getParameter("minCommitAge", 0n);
  const maxCommitAge = m.getParameter("maxCommitAge", 0n);
  const baseTokenURI = m.getParameter("baseTokenURI", "knowledge-commons:artifact/");
  const registry = m.contract("KnowledgeRegistry", [minCommitAge, maxCommitAge, baseTokenURI]);
  return { registry };
});
