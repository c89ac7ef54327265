import { expect } from "chai";
import { Interface, keccak256, toUtf8Bytes } from "ethers";

import { encodeCall, renderUnsent, safeBatch, safeBatchChecksum } from "../../src/calldata";

const POOLS = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const SAFE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const DIGEST = "0x" + "ab".repeat(32);
const iface = new Interface([
  "function admit(uint256 poolId, bytes32 artifact, uint32 weight)",
  "function proposeCurator(uint256 poolId, address newCurator)",
]);

describe("calldata", function () {
  describe("encodeCall", function () {
    it("encodes the method with its arguments, to a checksummed address, with no value", function () {
      const call = encodeCall(iface, POOLS.toLowerCase(), "admit", [1n, DIGEST, 5]);
      expect(call.to).to.equal(POOLS);
      expect(call.value).to.equal("0");
      // selector of admit(uint256,bytes32,uint32), then the three words
      expect(call.data).to.equal(
        iface.getFunction("admit")!.selector +
          "0000000000000000000000000000000000000000000000000000000000000001" +
          "ab".repeat(32) +
          "0000000000000000000000000000000000000000000000000000000000000005",
      );
      expect(iface.decodeFunctionData("admit", call.data).toArray()).to.deep.equal([1n, DIGEST, 5n]);
    });
  });

  describe("safeBatch", function () {
    it("has the Transaction Builder's fields and the checksum of its serialisation", function () {
      const call = { to: "0x0000000000000000000000000000000000000001", value: "0", data: "0x" };
      const batch = safeBatch(1n, [call], { name: "n", description: "d", createdAt: 1 });
      expect(batch).to.deep.equal({
        version: "1.0",
        chainId: "1",
        createdAt: 1,
        meta: {
          name: "n",
          description: "d",
          txBuilderVersion: "1.18.0",
          createdFromSafeAddress: "",
          createdFromOwnerAddress: "",
          checksum: batch.meta.checksum,
        },
        transactions: [call],
      });
      // The serialisation written out by hand from safe-react-apps' checksum.ts: sorted keys as a JSON array,
      // then each value followed by a comma; meta.name replaced by null, meta.checksum left out.
      const serialised =
        '{["chainId","createdAt","meta","transactions","version"]"1",1,' +
        '{["createdFromOwnerAddress","createdFromSafeAddress","description","name","txBuilderVersion"]"","","d",null,"1.18.0",},' +
        '[{["data","to","value"]"0x","0x0000000000000000000000000000000000000001","0",}],"1.0",}';
      expect(batch.meta.checksum).to.equal(keccak256(toUtf8Bytes(serialised)));
    });

    it("the checksum ignores the name and the old checksum but covers every transaction field", function () {
      const call = encodeCall(iface, POOLS, "proposeCurator", [1n, SAFE]);
      const batch = safeBatch(31337n, [call], { name: "a", description: "x", safe: SAFE, createdAt: 5 });
      expect(batch.meta.createdFromSafeAddress).to.equal(SAFE);
      expect(safeBatchChecksum({ ...batch, meta: { ...batch.meta, name: "b", checksum: "0x00" } })).to.equal(
        batch.meta.checksum,
      );
      const changed = { ...batch, transactions: [{ ...call, value: "1" }] };
      expect(safeBatchChecksum(changed)).not.to.equal(batch.meta.checksum);
    });
  });

  describe("renderUnsent", function () {
    const call = encodeCall(iface, POOLS, "admit", [1n, DIGEST, 5]);

    it("calldata: the call itself as text, {from, calls} as JSON", function () {
      const { json, text } = renderUnsent("calldata", 31337n, SAFE.toLowerCase(), [call], "admit");
      expect(JSON.parse(text)).to.deep.equal(call);
      expect(json).to.deep.equal({ from: SAFE, calls: [call] });
      expect(JSON.parse(renderUnsent("calldata", 1n, SAFE, [call, call], "two").text)).to.deep.equal([
        call,
        call,
      ]);
    });

    it("safe: the same importable batch in text and JSON, proposed by the given account", function () {
      const { json, text } = renderUnsent("safe", 31337n, SAFE, [call], "admit 0xab… to pool #1");
      expect(JSON.parse(text)).to.deep.equal(json);
      const batch = json as ReturnType<typeof safeBatch>;
      expect(batch).to.include({ version: "1.0", chainId: "31337" });
      expect(batch.meta).to.include({ description: "admit 0xab… to pool #1", createdFromSafeAddress: SAFE });
      expect(batch.transactions).to.deep.equal([call]);
      expect(batch.meta.checksum).to.equal(safeBatchChecksum(batch));
    });
  });
});
