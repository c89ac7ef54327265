import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";

import { cidToDigest, digestToCid, parseCid } from "../../src/cid";
import { expectKcError } from "./helpers";

// sha256("hello\n") and the CIDs of that digest, computed once with multiformats and pinned.
const HELLO = "0x5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
const HELLO_V0 = "QmUJPTFZnR2CPGAzmfdYPghgrFtYFB6pf1BqMvqfiPDam8";
const HELLO_V1_RAW = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
const HELLO_V1_DAG_PB = "bafybeicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";

// The same CIDv1 (raw) in other multibases.
const HELLO_V1_OTHER_BASES = [
  "zb2rhcc1wJn2GHDLT2YkmPq5b69cXc2xfRZZmyufbjFUfBkxr", // base58btc
  "k2cwueauvgmc6rw8ig81z29umtmqnpp03zegve90cilqk5kod5v00g77", // base36
  "mAVUSIFiRtbUi1d8IbQ/wsRD72dIbtPxxY6800IKGouhG9r4D", // base64
  "BAFKREICYSG23KIWV34EG2D7QWEIPXWOSDO2PY4LDV42NBAUGULUEN5V6AM", // base32 upper
];

// Refused hash functions: raw CIDs over a blake3 digest (32 bytes of 0x07) and an identity "hello".
const BLAKE3_CID = "bafkr4iaha4dqobyha4dqobyha4dqobyha4dqobyha4dqobyha4dqobyha4";
const IDENTITY_CID = "bafkqablimvwgy3y";

describe("cid", function () {
  describe("digestToCid", function () {
    it("gives the pinned CIDv1 (raw, base32) by default", async function () {
      expect(await digestToCid(HELLO)).to.equal(HELLO_V1_RAW);
    });

    it("gives the pinned CIDv0 and CIDv1 dag-pb", async function () {
      expect(await digestToCid(HELLO, { version: 0 })).to.equal(HELLO_V0);
      expect(await digestToCid(HELLO, { version: 1, codec: "dag-pb" })).to.equal(HELLO_V1_DAG_PB);
    });

    it("refuses a CIDv0 with the raw codec", async function () {
      await expectKcError(
        () => digestToCid(HELLO, { version: 0, codec: "raw" }),
        "a CIDv0 is always dag-pb; use version 1 for the raw codec",
      );
    });

    it("refuses something that is not a digest", async function () {
      await expectKcError(() => digestToCid("0x1234"), /^digest is not a digest .*: 0x1234$/);
    });
  });

  describe("cidToDigest", function () {
    it("reads the pinned CIDv0 and CIDv1s", async function () {
      expect(await cidToDigest(HELLO_V0)).to.equal(HELLO);
      expect(await cidToDigest(HELLO_V1_RAW)).to.equal(HELLO);
      expect(await cidToDigest(HELLO_V1_DAG_PB)).to.equal(HELLO);
    });

    it("reads a base16 CIDv1 assembled by hand: version 01, raw 55, sha2-256 12, length 20", async function () {
      expect(await cidToDigest(`f01551220${HELLO.slice(2)}`)).to.equal(HELLO);
      expect(await cidToDigest(`F01551220${HELLO.slice(2).toUpperCase()}`)).to.equal(HELLO);
    });

    it("reads other multibase encodings", async function () {
      for (const cid of HELLO_V1_OTHER_BASES) expect(await cidToDigest(cid), cid).to.equal(HELLO);
    });

    it("agrees with well-known IPFS CIDs", async function () {
      // The empty file with raw leaves, and the empty UnixFS folder (dag-pb node bytes 0a 02 08 01).
      expect(await cidToDigest("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")).to.equal(
        `0x${createHash("sha256").digest("hex")}`,
      );
      expect(await cidToDigest("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn")).to.equal(
        `0x${createHash("sha256").update(Buffer.from("0a020801", "hex")).digest("hex")}`,
      );
    });

    it("round-trips random digests through v0 and v1", async function () {
      for (let i = 0; i < 20; i++) {
        const digest = `0x${randomBytes(32).toString("hex")}`;
        expect(await cidToDigest(await digestToCid(digest, { version: 0 }))).to.equal(digest);
        expect(await cidToDigest(await digestToCid(digest, { version: 1 }))).to.equal(digest);
        expect(await cidToDigest(await digestToCid(digest, { version: 1, codec: "dag-pb" }))).to.equal(
          digest,
        );
      }
    });

    it("refuses a blake3 CID, naming the hash function", async function () {
      await expectKcError(
        () => cidToDigest(BLAKE3_CID),
        `CID uses hash function 0x1e (blake3); only sha2-256 (0x12) digests can be registered: ${BLAKE3_CID}`,
      );
    });

    it("refuses an identity CID, naming the hash function", async function () {
      await expectKcError(
        () => cidToDigest(IDENTITY_CID),
        /^CID uses hash function 0x00 \(identity\); only sha2-256/,
      );
    });

    it("refuses a truncated sha2-256 digest", async function () {
      const cid = `f01551214${HELLO.slice(2, 42)}`; // 0x14 = 20 bytes
      await expectKcError(
        () => cidToDigest(cid),
        `CID has a truncated sha2-256 digest (20 bytes, need 32): ${cid}`,
      );
    });

    it("refuses garbage", async function () {
      await expectKcError(() => cidToDigest("hello"), "not a valid CID: hello");
      await expectKcError(() => cidToDigest("Qm123"), "not a valid CID: Qm123");
      await expectKcError(() => cidToDigest(""), 'not a valid CID: ""');
      await expectKcError(() => cidToDigest(HELLO), `not a valid CID: ${HELLO}`);
      await expectKcError(() => cidToDigest(`${HELLO_V1_RAW}x`), `not a valid CID: ${HELLO_V1_RAW}x`);
      await expectKcError(() => cidToDigest(`z${HELLO_V0}`), `not a valid CID: z${HELLO_V0}`);
    });
  });

  describe("parseCid", function () {
    it("reports version and codec", async function () {
      expect(await parseCid(HELLO_V0)).to.deep.equal({
        digest: HELLO,
        version: 0,
        codec: 0x70,
        codecName: "dag-pb",
      });
      expect(await parseCid(HELLO_V1_RAW)).to.deep.equal({
        digest: HELLO,
        version: 1,
        codec: 0x55,
        codecName: "raw",
      });
    });
  });
});
