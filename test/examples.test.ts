import { join } from "node:path";

import { expect } from "chai";

import { DigestScheme, hashPath } from "../src/hash";

const EXAMPLES = join(__dirname, "..", "examples");

/**
 * The demo's community artifacts, in the default IPFS mode. A changed byte changes the digest: update
 * here and in the README. The folder CID is also rebuilt by an independent DAG builder in
 * test/lib/content.test.ts; each file fits one chunk, so its CID is the raw CID of its SHA-256.
 */
const PINNED = [
  {
    path: "river-dataset",
    kind: "folder",
    files: 2,
    bytes: 2192n,
    digest: "0x1d86cb19bff4a347fd958ae421859ef44b433f32513bfeef3c07f1b0335aac64",
    cid: "bafybeia5q3frtp7uund73fmk4qqylhxujnbt6msrhp7o6pah6gydgwvmmq",
    scheme: DigestScheme.UnixFs,
    manifestDigest: "0xf714f859a4c21034672d08945ca4cc22e7f32615f5427f06e1508ba9861c233b",
  },
  {
    path: "model-card.md",
    kind: "file",
    files: 1,
    bytes: 1240n,
    digest: "0x0c6b0cdf81d9038d6ab50ed78d09cee736b6c40a1c7ff4e352165e2a09da3c0d",
    cid: "bafkreiamnmgn7aozaogwvnio26gqttxhg23micq4p72oguqwlyvatwr4bu",
    scheme: DigestScheme.Raw,
  },
  {
    path: "agent-prompt.md",
    kind: "file",
    files: 1,
    bytes: 1557n,
    digest: "0x79dbac30fba4314fbc9643abb5f7d37299cbef684a3c72a0504163ceb16c8b33",
    cid: "bafkreidz3owdb65egfh3zfsdvo27pu3sthf662ckhrzkaucbmphlc3elgm",
    scheme: DigestScheme.Raw,
  },
  {
    path: "snippet.py",
    kind: "file",
    files: 1,
    bytes: 647n,
    digest: "0x8810316a2f6c9c38422bf3e1e5c1621426d9a89f29707d703d309a84be545e69",
    cid: "bafkreieicaywul3mtq4eek7t4hs4cyque3m2rhzjob6xapjqtkcl4vc6ne",
    scheme: DigestScheme.Raw,
  },
] as const;

describe("examples/", function () {
  for (const example of PINNED) {
    it(`${example.path} hashes to its pinned digest`, async function () {
      const result = await hashPath(join(EXAMPLES, example.path));
      expect(result).to.deep.include({
        digest: example.digest,
        cid: example.cid,
        scheme: example.scheme,
        kind: example.kind,
        files: example.files,
        bytes: example.bytes,
      });
      // Manifest mode: the folder's manifest digest; a file's SHA-256, which one chunk makes the same.
      const manifest = await hashPath(join(EXAMPLES, example.path), { mode: "manifest" });
      expect(manifest.digest).to.equal("manifestDigest" in example ? example.manifestDigest : example.digest);
    });
  }
});
