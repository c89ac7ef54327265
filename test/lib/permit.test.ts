import { expect } from "chai";
import { Contract, TypedDataEncoder } from "ethers";

import { type TokenInfo, permitSupport } from "../../src/token";

/**
 * permitSupport trusts a token's eip712Domain() only for that token on the connected chain: otherwise a hostile
 * token could have its holder sign a permit that is valid for another token or another chain.
 */
describe("permitSupport", function () {
  const self = "0x00000000000000000000000000000000000000aa";
  const other = "0x00000000000000000000000000000000000000bb";
  const owner = "0x0000000000000000000000000000000000000001";

  function fakeToken(verifyingContract: string, chainId: bigint, connectedChain = 31337n): TokenInfo {
    const domain = { name: "USD Coin", version: "2", chainId, verifyingContract };
    const contract = {
      runner: { provider: { getNetwork: async () => ({ chainId: connectedChain }) } },
      eip712Domain: async () => ({ fields: "0x0f", ...domain, salt: "0x" + "00".repeat(32), extensions: [] }),
      nonces: async () => 7n,
      DOMAIN_SEPARATOR: async () => TypedDataEncoder.hashDomain(domain),
    } as unknown as Contract;
    return { address: self, symbol: "T", decimals: 6, contract, format: String };
  }

  it("supports a token whose domain names itself on this chain", async function () {
    const support = await permitSupport(fakeToken(self, 31337n), owner);
    expect(support).to.deep.equal({
      domain: { name: "USD Coin", version: "2", chainId: 31337n, verifyingContract: self },
      nonce: 7n,
    });
  });

  it("refuses a domain naming another contract, even with the matching separator", async function () {
    expect(await permitSupport(fakeToken(other, 31337n), owner)).to.equal(undefined);
  });

  it("refuses a domain naming another chain", async function () {
    expect(await permitSupport(fakeToken(self, 1n), owner)).to.equal(undefined);
  });
});
