import { expect } from "chai";

import { amount, api, safeSymbol, state } from "../../app/src/core";

/** The app's token amounts (app/src/core.ts) go into innerHTML: a hostile ERC-20 symbol must not carry markup. */
describe("app token symbols", function () {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it("amount() of a token the index described drops markup from its symbol", async function () {
    const token = "0x00000000000000000000000000000000000000aa";
    state.config = { indexUrl: "http://index.invalid", rpcUrl: "", chainId: 1, registry: "", pools: "" };
    globalThis.fetch = (async () =>
      new Response(
        JSON.stringify({ tokens: { [token]: { symbol: `<img src=x onerror="alert(1)">`, decimals: 6 } } }),
      )) as typeof fetch;
    await api("/kc/pools");
    expect(await amount(1_500_000n, token)).to.equal("1.5 img src=x onerror=alert(");
  });

  it("safeSymbol keeps ordinary symbols, strips markup and controls, caps the length", function () {
    expect(safeSymbol("COMM")).to.equal("COMM");
    expect(safeSymbol("USD₮0")).to.equal("USD₮0");
    expect(safeSymbol(`a"b'c&d\`e\u0000f`)).to.equal("abcdef");
    expect(safeSymbol("<>")).to.equal("tokens");
    expect(safeSymbol("X".repeat(100))).to.equal("X".repeat(24));
  });
});
