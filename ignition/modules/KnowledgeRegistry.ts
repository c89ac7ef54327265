import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The registry. Parameters (ignition/parameters/<network>.json, key "KnowledgeRegistry"):
 * - minCommitAge: seconds a commitment must age before its reveal; 0 turns commit-reveal off. Defaults to
 *   60 s, so a deployment without a parameters file is protected against front-running.
 * - maxCommitAge: seconds after which a commitment expires (must exceed minCommitAge when that is on);
 *   defaults to one day.
 * - baseTokenURI: tokenURI prefix for artifacts whose owner stored no URI.
 */
export const DEFAULT_MIN_COMMIT_AGE = 60n;
export const DEFAULT_MAX_COMMIT_AGE = 86_400n;

export default buildModule("KnowledgeRegistry", (m) => {
  const minCommitAge = m.getParameter("minCommitAge", DEFAULT_MIN_COMMIT_AGE);
  const maxCommitAge = m.getParameter("maxCommitAge", DEFAULT_MAX_COMMIT_AGE);
  const baseTokenURI = m.getParameter("baseTokenURI", "knowledge-commons:artifact/");
  const registry = m.contract("KnowledgeRegistry", [minCommitAge, maxCommitAge, baseTokenURI]);
  return { registry };
});
