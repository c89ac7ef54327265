import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { AbiCoder, keccak256, hexlify, randomBytes } from "ethers";

import { allocateEpoch } from "../../src/epochs/allocate";
import {
  allocationHash,
  computeEpoch,
  findProof,
  orderByAddress,
  readPreviousEpoch,
  writeEpoch,
} from "../../src/epochs/epoch";
import { keccak } from "../../src/epochs/keccak";
import { buildTree, leafHex, proofHex, rootFromProof, rootOf } from "../../src/epochs/merkle";
import { SnapshotBuilder } from "../../src/epochs/snapshot";
import { readUsage } from "../../src/epochs/usage";
import { expectKcError } from "./helpers";

const A = "0x" + "a1".repeat(20);
const B = "0x" + "b2".repeat(20);
const C = "0x" + "c3".repeat(20);
const D1 = "0x" + "01".repeat(32);
const D2 = "0x" + "02".repeat(32);
const D3 = "0x" + "03".repeat(32);

function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "kc-usage-"));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("epochs (TypeScript)", function () {
  describe("keccak", function () {
    it("equals ethers' keccak256 for lengths around the 136-byte rate", function () {
      for (const n of [0, 1, 31, 32, 33, 64, 135, 136, 137, 271, 272, 273, 1000]) {
        const x = randomBytes(n);
        expect(hexlify(keccak(x))).to.equal(keccak256(x));
      }
    });
  });

  describe("merkle", function () {
    it("hashes leaves like the contract (double keccak of abi.encode)", function () {
      const inner = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [A, 5n]));
      expect(leafHex(A, 5n)).to.equal(keccak256(inner));
    });
    it("gives every leaf a proof that rebuilds the root, for 1 to 9 leaves", function () {
      for (let n = 1; n <= 9; n++) {
        const leaves = new Uint8Array(n * 32);
        const hexes: string[] = [];
        for (let i = 0; i < n; i++) {
          const l = leafHex(`0x${i.toString(16).padStart(40, "0")}`, BigInt(i + 1));
          hexes.push(l);
          leaves.set(Buffer.from(l.slice(2), "hex"), i * 32);
        }
        const tree = buildTree(leaves);
        for (let i = 0; i < n; i++) expect(rootFromProof(hexes[i], proofHex(tree, i))).to.equal(rootOf(tree));
      }
    });
  });

  describe("readUsage", function () {
    it("reads CSV with a header, comments and blank lines, and JSONL", async function () {
      const csv = await readUsage(
        file("u.csv", `# epoch 1\ndigest,units\n${D1},10\n\n${D2.toUpperCase().replace("0X", "0x")},0\n`),
      );
      expect(csv.digests).to.deep.equal([D1, D2]);
      expect(csv.units).to.deep.equal([10n, 0n]);
      expect(csv.lines).to.deep.equal([3, 5]);
      expect(csv.format).to.equal("csv");
      expect(csv.totalUnits).to.equal(10n);
      const jsonl = await readUsage(
        file(
          "u.jsonl",
          `{"digest":"${D1}","units":"123456789012345678901234567890"}\n{"digest":"${D2}","units":7}\n`,
        ),
      );
      expect(jsonl.units).to.deep.equal([123456789012345678901234567890n, 7n]);
      expect(jsonl.format).to.equal("jsonl");
      expect(jsonl.sha256).to.match(/^0x[0-9a-f]{64}$/);
    });
    it("names the line of a malformed line, a bad digest, negative or fractional units and a duplicate", async function () {
      await expectKcError(
        () => readUsage(file("a.csv", `${D1},1,2\n`)),
        /a\.csv:1: malformed line, expected digest,units/,
      );
      await expectKcError(
        () => readUsage(file("b.csv", `${D1},1\n0x1234,5\n`)),
        /b\.csv:2: digest must be 0x followed by 64 hex digits/,
      );
      await expectKcError(
        () => readUsage(file("c.csv", `${D1},-3\n`)),
        /c\.csv:1: units must not be negative, got -3/,
      );
      await expectKcError(
        () => readUsage(file("d.csv", `${D1},1.5\n`)),
        /d\.csv:1: units must be a whole number, got 1\.5/,
      );
      await expectKcError(
        () => readUsage(file("e.csv", `${D1},1\n${D2},2\n${D1},3\n`)),
        /e\.csv:3: duplicate digest 0x0101.* \(first on line 1\)/,
      );
      await expectKcError(
        () => readUsage(file("f.jsonl", `{"digest":"${D1}","units":2.5}\n`)),
        /f\.jsonl:1: units must be a whole number, got 2\.5/,
      );
      await expectKcError(
        () => readUsage(file("g.jsonl", `{"digest":"${D1}",\n`)),
        /g\.jsonl:1: malformed line, expected a JSON object/,
      );
      await expectKcError(
        () => readUsage(file("h.csv", `${D1},abc\n`)),
        /h\.csv:1: units must be a whole number/,
      );
      await expectKcError(() => readUsage(join(tmpdir(), "no-such-usage.csv")), /cannot read usage file/);
    });
  });

  describe("allocateEpoch", function () {
    function graph() {
      const b = new SnapshotBuilder();
      b.register(D1, [{ account: A, share: 1 }], [], 0);
      b.register(
        D2,
        [
          { account: B, share: 3 },
          { account: C, share: 1 },
        ],
        [],
        0,
      );
      // D3 gives 50 % upstream, split equally between D1 and D2.
      b.register(D3, [{ account: C, share: 1 }], [D1, D2], 5000);
      return b;
    }
    it("splits by units, passes upstream through every level and splits by share", function () {
      const s = graph().finish(7);
      const r = allocateEpoch(s, { digests: [D3], units: [10n], lines: [2] }, 1000n);
      const by = new Map([...r.amounts].map(([id, v]) => [s.accounts[id], v]));
      // D3: 500 to C; 250 to D1 (A), 250 to D2 (B 187.5, C 62.5).
      expect(by.get(A)).to.equal(250n);
      expect(by.get(B)).to.equal(187n);
      expect(by.get(C)).to.equal(562n);
      expect(r.dust).to.equal(1n);
    });
    it("keeps a retracted parent's part with the child's contributors and skips a retracted artifact's usage", function () {
      const b = graph();
      b.retract(D1);
      const s = b.finish(7);
      const r = allocateEpoch(s, { digests: [D3, D1], units: [10n, 5n], lines: [2, 3] }, 1000n);
      const by = new Map([...r.amounts].map(([id, v]) => [s.accounts[id], v]));
      expect(by.get(A)).to.equal(undefined);
      expect(by.get(C)).to.equal(750n + 62n);
      expect(r.skipped).to.deep.equal([{ digest: D1, units: 5n, line: 3 }]);
      expect(r.countedUnits).to.equal(10n);
    });
    it("refuses a digest the registry does not know, naming the usage line", async function () {
      const s = graph().finish(7);
      await expectKcError(
        () => allocateEpoch(s, { digests: ["0x" + "09".repeat(32)], units: [1n], lines: [4] }, 1n),
        `usage line 4: artifact 0x${"09".repeat(32)} is not registered at block 7`,
      );
    });
    it("carries everything when no usage counts", function () {
      const r = allocateEpoch(graph().finish(7), { digests: [D1], units: [0n], lines: [2] }, 99n);
      expect([r.allocated, r.dust, r.amounts.size]).to.deep.equal([0n, 99n, 0]);
    });
  });

  describe("epoch files", function () {
    it("writes allocation, proofs and manifest, and reads them back as the previous epoch", async function () {
      const s = (() => {
        const b = new SnapshotBuilder();
        b.register(
          D1,
          [
            { account: A, share: 1 },
            { account: B, share: 1 },
          ],
          [],
          0,
        );
        return b.finish(3);
      })();
      const usage = { digests: [D1], units: [1n], lines: [1] };
      const result = computeEpoch(s, usage, 101n, undefined);
      const dir = mkdtempSync(join(tmpdir(), "kc-epoch-"));
      const base = {
        format: "kc-epoch/1" as const,
        chainId: "31337",
        programs: null,
        program: "1",
        epoch: 1,
        block: 3,
        usage: { file: "u.csv", sha256: "0x", format: "csv", entries: 1, units: "1", skippedRetracted: 0 },
        budget: null,
        dustIn: "0",
        distributable: "101",
        previous: null,
      };
      const { manifest, folder } = await writeEpoch(dir, result, base);
      expect(manifest.allocationSha256).to.equal(await allocationHash(result));
      expect([manifest.allocated, manifest.dustOut, manifest.accounts]).to.deep.equal(["100", "1", 2]);
      const previous = await readPreviousEpoch(dir, 1);
      expect(previous.total).to.equal(100n);
      expect(previous.dust).to.equal(1n);
      const proof = await findProof(folder, A.toUpperCase().replace("0X", "0x"));
      expect(proof!.cumulative).to.equal(50n);
      expect(rootFromProof(leafHex(A, 50n), proof!.proof)).to.equal(result.root);
      // The next epoch adds to the cumulative amounts.
      const next = computeEpoch(s, usage, 10n + previous.dust, previous);
      expect(next.cumulative).to.deep.equal([55n, 55n]);
      expect(next.epochAmounts).to.deep.equal([5n, 5n]);
      await expectKcError(
        () => readPreviousEpoch(dir, 2),
        /epoch 3 builds on epoch 2, but .* has no manifest\.json/,
      );
    });
    it("orders addresses like a string sort, including those that share their first 28 bits", function () {
      const addrs = [
        "0xffffff0000000000000000000000000000000001",
        "0x" + "a1".repeat(20),
        "0xabcdef1000000000000000000000000000000009",
        "0xabcdef1000000000000000000000000000000002",
        "0x0000000000000000000000000000000000000000",
        "0xabcdef1fffffffffffffffffffffffffffffffff",
        "0xabcdef0fffffffffffffffffffffffffffffffff",
      ];
      const order = Array.from(orderByAddress(addrs.length, (i) => addrs[i]));
      expect(order.map((i) => addrs[i])).to.deep.equal([...addrs].sort());
      expect([...order].sort()).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    });

    it("merges this epoch with the previous one: accounts in either or both, in address order", function () {
      const b = new SnapshotBuilder();
      b.register(D1, [{ account: B, share: 1 }], [], 0);
      b.register(D2, [{ account: A, share: 1 }], [], 0);
      const s = b.finish(2);
      const previous = {
        epoch: 1,
        cumulative: new Map([
          [A, 7n],
          [C, 3n],
        ]),
        total: 10n,
        dust: 0n,
        root: "0x",
      };
      const r = computeEpoch(s, { digests: [D1, D2], units: [1n, 3n], lines: [1, 2] }, 40n, previous);
      expect(r.accounts).to.deep.equal([A, B, C]);
      expect(r.cumulative).to.deep.equal([37n, 10n, 3n]);
      expect(r.epochAmounts).to.deep.equal([30n, 10n, 0n]);
      expect(r.cumulativeTotal).to.equal(50n);
    });
  });
});
