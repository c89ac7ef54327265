import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * A demo ERC-20 with permit, for local and test networks only. Parameters (key "CommunityToken"):
 * name, symbol, holder (defaults to the deployer), supply (token units, 18 decimals).
 */
export default buildModule("CommunityToken", (m) => {
  const name = m.getParameter("name", "Community Token");
  const symbol = m.getParameter("symbol", "COMM");
  const holder = m.getParameter("holder", m.getAccount(0));
  const supply = m.getParameter("supply", 1_000_000n * 10n ** 18n);
  const token = m.contract("CommunityToken", [name, symbol, holder, supply]);
  return { token };
});
