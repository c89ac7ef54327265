import { join } from "node:path";

import { expect } from "chai";

import { digestToCid } from "../src/cid";
import { hashPath } from "../src/hash";

const EXAMPLES = join(__dirname, "..", "examples");

/** The demo's community artifacts. A changed byte changes the digest: update here and in the README. */
const PINNED = [
  {
    path: "river-dataset",
    kind: "folder",
    files: 2,
    bytes: 2192n,
    digest: "0xf714f859a4c21034672d08945ca4cc22e7f32615f5427f06e1508ba9861c233b",
  },
  {
    path: "model-card.md",
    kind: "file",
    files: 1,
    bytes: 1240n,
    digest: "0x0c6b0cdf81d9038d6ab50ed78d09cee736b6c40a1c7ff4e352165e2a09da3c0d",
    cid: "bafkreiamnmgn7aozaogwvnio26gqttxhg23micq4p72oguqwlyvatwr4bu",
  },
  {
    path: "agent-prompt.md",
    kind: "file",
    files: 1,
    bytes: 1557n,
    digest: "0x79dbac30fba4314fbc9643abb5f7d37299cbef684a3c72a0504163ceb16c8b33",
    cid: "bafkreidz3owdb65egfh3zfsdvo27pu3sthf662ckhrzkaucbmphlc3elgm",
  },
  {
    path: "snippet.py",
    kind: "file",
    files: 1,
    bytes: 647n,
    digest: "0x8810316a2f6c9c38422bf3e1e5c1621426d9a89f29707d703d309a84be545e69",
    cid: "bafkreieicaywul3mtq4eek7t4hs4cyque3m2rhzjob6xapjqtkcl4vc6ne",
  },
] as const;

describe("examples/", function () {
  for (const example of PINNED) {
    it(`${example.path} hashes to its pinned digest`, async function () {
      const result = await hashPath(join(EXAMPLES, example.path));
      expect(result).to.deep.equal({
        digest: example.digest,
        kind: example.kind,
        files: example.files,
        bytes: example.bytes,
      });
      if ("cid" in example) expect(await digestToCid(result.digest)).to.equal(example.cid);
    });
  }
});
