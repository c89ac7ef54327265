import { expect } from "chai";
import hre from "hardhat";

import { humanDuration } from "../../src/format";
import { didYouMean, kcCommandLine, taskArgumentsProblem, taskNeedsAccount } from "../../tasks/kc/cli";
import { kc } from "../../tasks/kc/common";
import { TASK_FILES, taskFileOf } from "../../tasks/kc/index";

/** The command-line layer of `kc`: what runs before a task, and the small helpers its output uses. */
describe("kc command line", function () {
  const tasks = hre.scopes.kc.tasks;

  describe("TASK_FILES", function () {
    it("lists every kc task exactly once", function () {
      const listed = Object.values(TASK_FILES).flat();
      expect([...listed].sort()).to.deep.equal(Object.keys(tasks).sort());
      expect(new Set(listed).size).to.equal(listed.length);
      expect(taskFileOf("pool-admit")).to.equal("pool");
      expect(taskFileOf("nope")).to.equal(undefined);
    });
  });

  describe("kcCommandLine", function () {
    it("finds the task, its arguments, the network and --json wherever Hardhat's flags stand", function () {
      const argv = ["node", "hardhat", "--network", "localhost", "kc", "hash", "x", "--json", "--verbose"];
      expect(kcCommandLine(argv, {})).to.deep.equal({
        task: "hash",
        rest: ["x", "--json"],
        network: "localhost",
        json: true,
        help: false,
      });
      expect(kcCommandLine(["node", "hardhat", "kc", "show"], { HARDHAT_NETWORK: "remote" })).to.include({
        task: "show",
        network: "remote",
      });
      expect(kcCommandLine(["node", "hardhat", "test"], {})).to.equal(undefined);
      expect(kcCommandLine(["node", "hardhat", "kc"], {})).to.include({ task: undefined });
    });
  });

  describe("taskArgumentsProblem", function () {
    it("says which flag is unknown, suggests the closest, and accepts what Hardhat accepts", function () {
      expect(taskArgumentsProblem(tasks.register, ["--path", "x", "--contributers", "y"])).to.equal(
        "kc register has no flag --contributers (did you mean --contributors?); see npx hardhat help kc register",
      );
      expect(taskArgumentsProblem(tasks.fund, ["--pool"])).to.equal("--pool needs a value");
      expect(taskArgumentsProblem(tasks.fund, ["--pool", "1", "--pool", "2"])).to.equal(
        "--pool is given twice",
      );
      expect(taskArgumentsProblem(tasks.hash, ["a", "b"])).to.equal(
        "kc hash takes no argument b; flags start with --; see npx hardhat help kc hash",
      );
      expect(taskArgumentsProblem(tasks.register, ["--contributors-file", "t.csv", "--json"])).to.equal(
        undefined,
      );
    });
  });

  describe("didYouMean / taskNeedsAccount", function () {
    it("suggests only near misses", function () {
      expect(didYouMean("regster", ["register", "show"])).to.equal(" (did you mean register?)");
      expect(didYouMean("pool", ["pool-create", "show"])).to.equal(" (did you mean pool-create?)");
      expect(didYouMean("zzzzzz", ["register", "show"])).to.equal("");
    });

    it("knows which tasks send (they have --from)", function () {
      expect(taskNeedsAccount(kc, "hash")).to.equal(false);
      expect(taskNeedsAccount(kc, "show")).to.equal(false);
      expect(taskNeedsAccount(kc, "register")).to.equal(true);
      expect(taskNeedsAccount(kc, undefined)).to.equal(true);
    });
  });

  describe("humanDuration", function () {
    it("prints the largest unit and the next one", function () {
      expect(humanDuration(0)).to.equal("0s");
      expect(humanDuration(12)).to.equal("12s");
      expect(humanDuration(65)).to.equal("1m 5s");
      expect(humanDuration(3_725)).to.equal("1h 2m");
      expect(humanDuration(172_800)).to.equal("2 days");
      expect(humanDuration(90_000n)).to.equal("1 day 1h");
      expect(humanDuration(1_296_062)).to.equal("15 days");
      expect(humanDuration(1.2)).to.equal("2s");
    });
  });
});
