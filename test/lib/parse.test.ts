import { expect } from "chai";
import { JsonRpcProvider } from "ethers";

import {
  formatAmount,
  KINDS,
  kindName,
  parseAddress,
  parseAmount,
  parseBps,
  contributorEntries,
  contributorEntriesFromCsv,
  ensResolver,
  parseContributors,
  parseDigest,
  parseDigestList,
  parseDuration,
  parseKind,
  parseShares,
  resolveAddress,
  resolveContributors,
} from "../../src/parse";
import { expectKcError } from "./helpers";

// EIP-55 test vectors.
const ALICE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
const BOB = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
const ZERO = "0x0000000000000000000000000000000000000000";
const D1 = "0x5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
const D2 = "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

describe("parse", function () {
  describe("parseAddress", function () {
    it("returns the checksummed address for lower, upper and checksummed input", function () {
      expect(parseAddress(ALICE.toLowerCase())).to.equal(ALICE);
      expect(parseAddress(`0x${ALICE.slice(2).toUpperCase()}`)).to.equal(ALICE);
      expect(parseAddress(` ${ALICE} `)).to.equal(ALICE);
    });

    it("rejects a bad checksum", async function () {
      const typo = ALICE.replace("aA", "Aa");
      await expectKcError(() => parseAddress(typo, "curator"), /^curator has a bad checksum, .*: 0x5Aa/);
    });

    it("rejects malformed input, naming what it is", async function () {
      await expectKcError(
        () => parseAddress("0x1234", "token"),
        "token is not an address (expected 0x followed by 40 hex digits): 0x1234",
      );
      await expectKcError(() => parseAddress(ALICE.slice(2)), /^address is not an address/);
      await expectKcError(
        () => parseAddress("XE65GB6LDNXYOFTX0NSV3FUWKOWIXAMJK36"),
        /^address is not an address/,
      );
    });

    it("rejects the zero address only when asked", async function () {
      expect(parseAddress(ZERO, "recipient")).to.equal(ZERO);
      await expectKcError(
        () => parseAddress(ZERO, "recipient", { nonZero: true }),
        "recipient must not be the zero address",
      );
    });
  });

  describe("parseDigest", function () {
    it("returns the lowercase digest", function () {
      expect(parseDigest(D1.toUpperCase().replace("0X", "0x"))).to.equal(D1);
    });

    it("rejects wrong lengths and hints at a missing 0x or a CID", async function () {
      await expectKcError(() => parseDigest("0x1234"), /^digest is not a digest .*: 0x1234$/);
      await expectKcError(() => parseDigest(`${D1}00`), /^digest is not a digest/);
      await expectKcError(() => parseDigest(D1.slice(2)), /\(missing the 0x prefix\?\)$/);
      await expectKcError(
        () => parseDigest("QmUJPTFZnR2CPGAzmfdYPghgrFtYFB6pf1BqMvqfiPDam8"),
        /\(that looks like a CID; pass it as a CID\)$/,
      );
    });
  });

  describe("parseDigestList", function () {
    it("parses a comma-separated list; empty input is an empty list", function () {
      expect(parseDigestList(`${D1}, ${D2}`)).to.deep.equal([D1, D2]);
      expect(parseDigestList("  ")).to.deep.equal([]);
    });

    it("rejects duplicates, empty items and bad digests", async function () {
      await expectKcError(
        () => parseDigestList(`${D1},${D1.toUpperCase().replace("0X", "0x")}`),
        `digest listed twice: ${D1}`,
      );
      await expectKcError(() => parseDigestList(`${D1},`), /^empty digest in list/);
      await expectKcError(() => parseDigestList(`${D1},0x12`, "parent"), /^parent is not a digest .*: 0x12$/);
    });
  });

  describe("parseContributors", function () {
    it("parses address:share pairs", function () {
      expect(parseContributors(`${ALICE.toLowerCase()}:60, ${BOB}:40`)).to.deep.equal([
        { account: ALICE, share: 60n },
        { account: BOB, share: 40n },
      ]);
      expect(parseContributors(`${ALICE}:4294967295`)).to.deep.equal([
        { account: ALICE, share: 4294967295n },
      ]);
    });

    it("rejects a missing colon", async function () {
      await expectKcError(
        () => parseContributors(ALICE),
        `contributor must be written address:share, got ${ALICE}`,
      );
      await expectKcError(
        () => parseContributors(`${ALICE}:1:2`),
        /^contributor must be written address:share/,
      );
    });

    it("rejects a bad or zero address", async function () {
      await expectKcError(() => parseContributors("0xabc:60"), /^contributor is not an address .*: 0xabc$/);
      await expectKcError(() => parseContributors(`${ZERO}:1`), "contributor must not be the zero address");
    });

    it("rejects a share that is not a positive uint32 integer", async function () {
      await expectKcError(
        () => parseContributors(`${ALICE}:1.5`),
        `share of ${ALICE} is not a whole number: 1.5`,
      );
      await expectKcError(
        () => parseContributors(`${ALICE}:-1`),
        `share of ${ALICE} is not a whole number: -1`,
      );
      await expectKcError(
        () => parseContributors(`${ALICE}:`),
        `share of ${ALICE} is not a whole number: ""`,
      );
      await expectKcError(
        () => parseContributors(`${ALICE}:0`),
        `share of ${ALICE} must be greater than zero`,
      );
      await expectKcError(
        () => parseContributors(`${ALICE}:4294967296`),
        `share of ${ALICE} is too large (max 4294967295): 4294967296`,
      );
    });

    it("rejects a duplicate account, whatever its case", async function () {
      await expectKcError(
        () => parseContributors(`${ALICE}:1,${ALICE.toLowerCase()}:2`),
        `contributor listed twice: ${ALICE}`,
      );
    });

    it("rejects empty input, empty items and too many contributors", async function () {
      await expectKcError(() => parseContributors(""), /^no contributors given/);
      await expectKcError(() => parseContributors(`${ALICE}:1,,${BOB}:1`), /^empty contributor in list/);
      await expectKcError(
        () => parseContributors(`${ALICE}:1,${BOB}:1`, { max: 1 }),
        "too many contributors: 2 (at most 1)",
      );
    });
  });

  describe("parseKind / kindName", function () {
    it("maps every name to its enum value and back", function () {
      expect(KINDS).to.deep.equal(["dataset", "model", "agent", "code", "prompt", "document", "other"]);
      KINDS.forEach((name, i) => {
        expect(parseKind(name)).to.equal(i);
        expect(kindName(i)).to.equal(name);
        expect(kindName(BigInt(i))).to.equal(name);
      });
      expect(parseKind(" Model ")).to.equal(1);
    });

    it("rejects unknown names and values", async function () {
      await expectKcError(
        () => parseKind("song"),
        "unknown kind song (expected one of dataset, model, agent, code, prompt, document, other)",
      );
      await expectKcError(() => parseKind("1"), /^unknown kind 1 /);
      await expectKcError(() => kindName(7), "unknown kind value: 7");
      await expectKcError(() => kindName(-1), "unknown kind value: -1");
      await expectKcError(() => kindName(1.5), "unknown kind value: 1.5");
    });
  });

  describe("parseDuration", function () {
    it("reads each unit and plain seconds", function () {
      expect(parseDuration("45s")).to.equal(45n);
      expect(parseDuration("90m")).to.equal(5_400n);
      expect(parseDuration("12h")).to.equal(43_200n);
      expect(parseDuration("30d")).to.equal(2_592_000n);
      expect(parseDuration("2w")).to.equal(1_209_600n);
      expect(parseDuration("3600")).to.equal(3_600n);
    });

    it("reads fractions, spelled-out units and years", function () {
      expect(parseDuration("1.5h")).to.equal(5_400n);
      expect(parseDuration("1.1h")).to.equal(3_960n); // 3960000.0000000005 ms in floating point
      expect(parseDuration("3 days")).to.equal(259_200n);
      expect(parseDuration("10 minutes")).to.equal(600n);
      expect(parseDuration(" 90s ")).to.equal(90n);
      expect(parseDuration("1y")).to.equal(31_557_600n); // 365.25 days
      expect(parseDuration("0.5d")).to.equal(43_200n);
      expect(parseDuration("0s", { zero: true })).to.equal(0n);
    });

    it("rejects zero, negatives, sub-second fractions, milliseconds and garbage", async function () {
      await expectKcError(() => parseDuration("0d"), "duration must be longer than zero: 0d");
      await expectKcError(() => parseDuration("0"), "duration must be longer than zero: 0");
      await expectKcError(() => parseDuration("-5"), "duration must not be negative: -5");
      await expectKcError(() => parseDuration("-1h"), "duration must not be negative: -1h");
      await expectKcError(
        () => parseDuration("1.5"),
        /^a fractional duration needs a unit: 1\.5 \(use e\.g\./,
      );
      await expectKcError(() => parseDuration("1.5s"), "duration 1.5s is not a whole number of seconds");
      await expectKcError(() => parseDuration("500ms"), /^not a duration: 500ms/);
      await expectKcError(() => parseDuration("3 fortnights"), /^not a duration: 3 fortnights/);
      await expectKcError(() => parseDuration("1h30m"), /^not a duration: 1h30m/);
      await expectKcError(() => parseDuration("soon"), /^not a duration: soon/);
      await expectKcError(() => parseDuration(""), /^not a duration: ""/);
    });
  });

  describe("parseShares", function () {
    it("passes plain shares through and reduces percentages to their smallest whole ratio", function () {
      expect(parseShares(["60", "40"])).to.deep.equal([60n, 40n]);
      expect(parseShares(["60%", "40%"])).to.deep.equal([3n, 2n]);
      expect(parseShares(["100%"])).to.deep.equal([1n]);
      expect(parseShares(["33.33%", "33.33%", "33.34%"])).to.deep.equal([3333n, 3333n, 3334n]);
      expect(parseShares(["12.5%", "87.5%"])).to.deep.equal([1n, 7n]);
      expect(parseShares(["0.01%", "99.99%"])).to.deep.equal([1n, 9999n]);
    });

    it("rejects 0%, more than 100%, extra decimals, a sum other than 100% and mixed forms", async function () {
      await expectKcError(
        () => parseShares(["0%", "100%"], ["A", "B"]),
        "share of A must be greater than zero: 0%",
      );
      await expectKcError(() => parseShares(["100.5%"], ["A"]), "share of A is more than 100%: 100.5%");
      await expectKcError(
        () => parseShares(["33.333%", "66.667%"], ["A", "B"]),
        "share of A has more than 2 decimals (the smallest step is 0.01%): 33.333%",
      );
      await expectKcError(() => parseShares(["60%", "39.5%"]), "shares add up to 99.5%, not 100%");
      await expectKcError(() => parseShares(["60%", "60%"]), "shares add up to 120%, not 100%");
      await expectKcError(
        () => parseShares(["60%", "40"]),
        "shares mix percentages and plain numbers: write all of them with % or none",
      );
      await expectKcError(() => parseShares(["sixty%"], ["A"]), "share of A is not a percentage: sixty%");
      await expectKcError(() => parseShares(["%"], ["A"]), "share of A is not a percentage: %");
    });
  });

  describe("contributorEntriesFromCsv / resolveContributors", function () {
    it("reads address,share rows with or without a header, skipping comments and blank lines", async function () {
      const plain = contributorEntriesFromCsv(`# team\n${ALICE},60%\n\n${BOB}, 40%\n`, "team.csv");
      expect(await resolveContributors(plain)).to.deep.equal([
        { account: ALICE, share: 3n },
        { account: BOB, share: 2n },
      ]);
      const headed = contributorEntriesFromCsv(
        `name,share,address\nalice,3,${ALICE}\n"bob, jr",1,${BOB}`,
        "t.csv",
      );
      expect(await resolveContributors(headed)).to.deep.equal([
        { account: ALICE, share: 3n },
        { account: BOB, share: 1n },
      ]);
    });

    it("names the file and line of a bad row", async function () {
      await expectKcError(
        async () => resolveContributors(contributorEntriesFromCsv(`${ALICE},60\n${BOB},sixty`, "t.csv")),
        `t.csv line 2: share of ${BOB} is not a whole number: sixty`,
      );
      await expectKcError(
        async () => resolveContributors(contributorEntriesFromCsv(`${ALICE},60\n0xabc,40`, "t.csv")),
        /^t\.csv line 2: contributor is not an address .*: 0xabc$/,
      );
      await expectKcError(
        async () => resolveContributors(contributorEntriesFromCsv(`${ALICE},60\n${ALICE},40`, "t.csv")),
        `t.csv line 2: contributor listed twice: ${ALICE}`,
      );
      await expectKcError(
        () => contributorEntriesFromCsv(`${ALICE},60,x`, "t.csv"),
        "t.csv line 1: expected 2 columns (address,share), got 3",
      );
      await expectKcError(
        () => contributorEntriesFromCsv("# nobody\n", "t.csv"),
        "t.csv lists no contributors (expected address,share rows)",
      );
      await expectKcError(
        () => contributorEntriesFromCsv("who,share\nx,1", "t.csv"),
        "t.csv: the header needs an address and a share column, got who,share",
      );
      await expectKcError(
        () => contributorEntriesFromCsv(`"${ALICE},60`, "t.csv"),
        /^t\.csv: Quote Not Closed/,
      );
      await expectKcError(
        async () => resolveContributors(contributorEntriesFromCsv(`${ALICE},60%\n${BOB},30%`, "t.csv")),
        "t.csv: shares add up to 90%, not 100%",
      );
    });

    it("resolves ENS names through the resolver, and says when the network has no ENS", async function () {
      const names: Record<string, string | null> = { "alice.eth": ALICE, "nobody.eth": null };
      const resolve = async (name: string) => names[name];
      expect(
        await resolveContributors(contributorEntries(`alice.eth:1,${BOB}:1`), { resolve }),
      ).to.deep.equal([
        { account: ALICE, share: 1n },
        { account: BOB, share: 1n },
      ]);
      await expectKcError(
        () => resolveContributors(contributorEntries("nobody.eth:1"), { resolve }),
        "contributor nobody.eth: the ENS name has no address set",
      );
      await expectKcError(
        () => resolveContributors(contributorEntries("alice.eth:1")),
        "contributor alice.eth is an ENS name; give a 0x address here",
      );
      const local = ensResolver(new JsonRpcProvider("http://127.0.0.1:1", 31337, { staticNetwork: true }));
      await expectKcError(
        () => resolveAddress("alice.eth", "--to", local),
        "--to alice.eth: no ENS on this network (chain 31337); give a 0x address instead",
      );
      expect(await resolveAddress(BOB.toLowerCase(), "--to", local)).to.equal(BOB);
    });
  });

  describe("parseAmount / formatAmount", function () {
    it("reads decimal amounts into base units", function () {
      expect(parseAmount("1.5", 18)).to.equal(1_500_000_000_000_000_000n);
      expect(parseAmount("100", 6)).to.equal(100_000_000n);
      expect(parseAmount("0.000001", 6)).to.equal(1n);
      expect(parseAmount(".5", 1)).to.equal(5n);
      expect(parseAmount("7.", 0)).to.equal(7n);
      expect(parseAmount("0", 18)).to.equal(0n);
    });

    it("rejects too many decimals, negatives and garbage", async function () {
      await expectKcError(
        () => parseAmount("1.0000001", 6),
        "amount 1.0000001 has more than 6 decimals, the token's precision",
      );
      await expectKcError(
        () => parseAmount("1.5", 0),
        "amount 1.5 has more than 0 decimals, the token's precision",
      );
      await expectKcError(() => parseAmount("-1", 18), "amount must not be negative: -1");
      for (const bad of ["", ".", "abc", "1e18", "1,5", "0x10", "1.2.3"]) {
        await expectKcError(
          () => parseAmount(bad, 18),
          /^not an amount: .* \(expected a decimal number like 1\.5\)$/,
        );
      }
      await expectKcError(
        () => parseAmount("1", 1.5),
        "token decimals must be a whole number from 0 to 255, got 1.5",
      );
    });

    it("formats without a trailing .0 and reads back", function () {
      expect(formatAmount(1_500_000_000_000_000_000n, 18, "KC")).to.equal("1.5 KC");
      expect(formatAmount(2_000_000n, 6)).to.equal("2");
      expect(formatAmount(1n, 6)).to.equal("0.000001");
      expect(formatAmount(0n, 18)).to.equal("0");
      for (const value of [0n, 1n, 10n ** 18n, 123_456_789_012_345_678_901n]) {
        expect(parseAmount(formatAmount(value, 18), 18)).to.equal(value);
      }
    });
  });

  describe("parseBps", function () {
    it("reads percentages with up to 2 decimals and raw basis points", function () {
      expect(parseBps("20%")).to.equal(2_000);
      expect(parseBps("12.5%")).to.equal(1_250);
      expect(parseBps("0.01%")).to.equal(1);
      expect(parseBps("100%")).to.equal(10_000);
      expect(parseBps("0%")).to.equal(0);
      expect(parseBps("2000")).to.equal(2_000);
      expect(parseBps("10000")).to.equal(10_000);
    });

    it("rejects more than 100%, extra decimals and garbage", async function () {
      await expectKcError(() => parseBps("100.01%"), "100.01% is more than 100% (10000 basis points)");
      await expectKcError(() => parseBps("10001"), "10001 is more than 100% (10000 basis points)");
      await expectKcError(
        () => parseBps("0.001%"),
        "0.001% has more than 2 decimals (1 basis point is 0.01%)",
      );
      await expectKcError(() => parseBps("-5%"), /^not a percentage or basis points: -5%/);
      await expectKcError(() => parseBps("20.5"), /^not a percentage or basis points: 20\.5/);
      await expectKcError(() => parseBps(""), /^not a percentage or basis points: ""/);
    });
  });
});
