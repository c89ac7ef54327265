import { expect } from "chai";
import type { Provider } from "ethers";

import { waitForReveal } from "../../src/register";
import type { KnowledgeRegistry } from "../../typechain-types";

/**
 * The reveal countdown reads the chain's clock. A provider may answer "latest" with a block cached from before
 * the commitment was mined (ethers keeps a read for 250 ms; a node may be quiet for a minute before it); the
 * countdown must still start at most `minAge` seconds from the end.
 */
describe("waitForReveal", function () {
  it("never counts from before the commitment was mined, even when 'latest' is an older block", async function () {
    const committedAt = 1_000_051n;
    const minAge = 2n;
    const stale = { getBlock: async () => ({ timestamp: 1_000_000 }) } as unknown as Provider;
    const waits: number[] = [];
    let simulated = 0;
    await waitForReveal(
      stale,
      undefined,
      committedAt + minAge,
      committedAt + 86_400n,
      async () => simulated++,
      {} as KnowledgeRegistry,
      () => undefined,
      (left) => waits.push(left),
      committedAt,
    );
    expect(waits[0]).to.equal(Number(minAge));
    expect(Math.max(...waits)).to.equal(Number(minAge));
    expect(waits[waits.length - 1]).to.equal(0);
    expect(simulated).to.equal(1);
  });
});
