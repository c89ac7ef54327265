import { expect } from "chai";

import { digestToCid } from "../../src/cid";
import { parseStatedDigest } from "../../src/content/ref";
import { DigestScheme, cidOf, ipfsUriOf, parseMode, parseScheme, schemeOf } from "../../src/content/scheme";
import { expectKcError } from "./helpers";

const DIGEST = "0x8810316a2f6c9c38422bf3e1e5c1621426d9a89f29707d703d309a84be545e69";
const RAW_CID = "bafkreieicaywul3mtq4eek7t4hs4cyque3m2rhzjob6xapjqtkcl4vc6ne";

describe("digest schemes", function () {
  describe("parseStatedDigest", function () {
    it("takes a raw CID as a file's bytes, with or without --scheme raw", async function () {
      const expected = { digest: DIGEST, scheme: DigestScheme.Raw, cid: RAW_CID };
      expect(await parseStatedDigest(RAW_CID)).to.deep.equal(expected);
      expect(await parseStatedDigest(RAW_CID, "raw")).to.deep.equal(expected);
    });

    it("refuses a raw CID stated as another scheme", async function () {
      await expectKcError(
        () => parseStatedDigest(RAW_CID, "unixfs"),
        `${RAW_CID} is a raw CID (a file's bytes); it cannot be --scheme unixfs`,
      );
    });

    it("needs --scheme unixfs to confirm a dag-pb CID, v1 or v0", async function () {
      const v1 = await digestToCid(DIGEST, { codec: "dag-pb" });
      const v0 = await digestToCid(DIGEST, { version: 0 });
      await expectKcError(
        () => parseStatedDigest(v1),
        /is a dag-pb CID: .*built under unixfs-v1-2025.*add --scheme unixfs/,
      );
      await expectKcError(
        () => parseStatedDigest(v0),
        /is a dag-pb CID: .*unixfs-v0-2015.*add --scheme unixfs/,
      );
      await expectKcError(() => parseStatedDigest(v0, "manifest"), /add --scheme unixfs/);
      expect(await parseStatedDigest(v0, "unixfs")).to.deep.equal({
        digest: DIGEST,
        scheme: DigestScheme.UnixFs,
        cid: v0,
      });
    });

    it("needs --scheme for a bare digest, and takes it by name or number", async function () {
      await expectKcError(
        () => parseStatedDigest(DIGEST),
        /^a bare digest does not say what bytes it is the SHA-256 of; add --scheme/,
      );
      expect(await parseStatedDigest(DIGEST, "manifest")).to.deep.equal({
        digest: DIGEST,
        scheme: DigestScheme.Manifest,
      });
      expect(await parseStatedDigest(DIGEST, "1")).to.deep.equal({
        digest: DIGEST,
        scheme: DigestScheme.UnixFs,
      });
      await expectKcError(
        () => parseStatedDigest(DIGEST, "car"),
        "unknown scheme car: use one of raw, unixfs, manifest",
      );
    });
  });

  describe("schemeOf and cidOf", function () {
    it("maps each mode and root codec to the registry's scheme", function () {
      expect(schemeOf({ mode: "ipfs", kind: "file", codec: 0x55 })).to.equal(DigestScheme.Raw);
      expect(schemeOf({ mode: "ipfs", kind: "file", codec: 0x70 })).to.equal(DigestScheme.UnixFs);
      expect(schemeOf({ mode: "ipfs", kind: "folder", codec: 0x70 })).to.equal(DigestScheme.UnixFs);
      expect(schemeOf({ mode: "manifest", kind: "file" })).to.equal(DigestScheme.Raw);
      expect(schemeOf({ mode: "manifest", kind: "folder" })).to.equal(DigestScheme.Manifest);
    });

    it("rebuilds the CID and ipfs:// URI a scheme implies; a manifest has none", async function () {
      expect(await cidOf(DIGEST, DigestScheme.Raw)).to.equal(RAW_CID);
      expect(await cidOf(DIGEST, DigestScheme.UnixFs)).to.equal(
        await digestToCid(DIGEST, { codec: "dag-pb" }),
      );
      expect(await ipfsUriOf(DIGEST, DigestScheme.Raw)).to.equal(`ipfs://${RAW_CID}`);
      expect(await cidOf(DIGEST, DigestScheme.Manifest)).to.equal(undefined);
    });

    it("matches the Solidity enum order and parses names", function () {
      expect([DigestScheme.Raw, DigestScheme.UnixFs, DigestScheme.Manifest]).to.deep.equal([0, 1, 2]);
      expect(parseScheme(" UnixFS ")).to.equal(DigestScheme.UnixFs);
      expect(parseMode("manifest")).to.equal("manifest");
    });
  });
});
