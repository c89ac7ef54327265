import { expect } from "chai";

import {
  type DeployConfirmationInput,
  confirmationQuestions,
  deployConfirmation,
  ignitionFailureLine,
} from "../../tasks/lib/deploy";
import { expectKcError } from "./helpers";

const SEPOLIA = 11_155_111n;
const WARNING =
  "warning: ignition/parameters/remote.json5 turns commit-reveal off: anyone watching the mempool can " +
  "register a digest first";

/** Runs the rule; returns the warnings it printed, or rethrows. */
function confirm(input: DeployConfirmationInput, warnings: string[] = []): string[] {
  deployConfirmation(input, (message) => warnings.push(message));
  return warnings;
}

describe("deployConfirmation", function () {
  const off = { minCommitAge: 0n, source: "ignition/parameters/remote.json5" };

  it("asks nothing on a local chain (31337, 1337), even with commit-reveal off and --reset", function () {
    for (const chainId of [31_337n, 1337n]) {
      expect(confirm({ chainId, ...off, reset: true })).to.deep.equal([]);
    }
  });

  it("asks nothing on a non-local chain with commit-reveal on, or with the module's default", function () {
    expect(confirm({ chainId: SEPOLIA, minCommitAge: 60n })).to.deep.equal([]);
    expect(confirm({ chainId: SEPOLIA, minCommitAge: 1n })).to.deep.equal([]);
    expect(confirm({ chainId: 1n })).to.deep.equal([]);
  });

  it("warns and refuses commit-reveal off on a non-local chain without --yes", async function () {
    const warnings: string[] = [];
    await expectKcError(
      () => confirm({ chainId: SEPOLIA, ...off }, warnings),
      `commit-reveal is off on chain ${SEPOLIA}; pass --yes to deploy anyway`,
    );
    expect(warnings).to.deep.equal([WARNING]);
  });

  it("warns, and deploys, with commit-reveal off on a non-local chain and --yes", function () {
    expect(confirm({ chainId: SEPOLIA, ...off, yes: true })).to.deep.equal([WARNING]);
  });

  it("names the parameters generically when no file set them", async function () {
    const warnings: string[] = [];
    await expectKcError(
      () => confirm({ chainId: 1n, minCommitAge: 0n }, warnings),
      "commit-reveal is off on chain 1; pass --yes to deploy anyway",
    );
    expect(warnings).to.deep.equal([
      "warning: the parameters turns commit-reveal off: anyone watching the mempool can register a digest first",
    ]);
  });

  it("refuses --reset on a non-local chain without --yes, and accepts it with --yes", async function () {
    await expectKcError(
      () => confirm({ chainId: SEPOLIA, reset: true }),
      `--reset forgets the deployment record of chain ${SEPOLIA}; pass --yes as well to confirm`,
    );
    expect(confirm({ chainId: SEPOLIA, reset: true, yes: true })).to.deep.equal([]);
  });

  it("with commit-reveal off and --reset, refuses commit-reveal first, and --yes confirms both", async function () {
    await expectKcError(
      () => confirm({ chainId: SEPOLIA, ...off, reset: true }),
      /^commit-reveal is off on chain 11155111;/,
    );
    expect(confirm({ chainId: SEPOLIA, ...off, reset: true, yes: true })).to.deep.equal([WARNING]);
  });

  it("keeps every warning on one line", function () {
    for (const line of confirm({ chainId: SEPOLIA, ...off, yes: true })) expect(line).not.to.include("\n");
  });
});

describe("confirmationQuestions", function () {
  it("asks about --reset and commit-reveal off on a live chain only, and nothing with --yes", function () {
    expect(confirmationQuestions({ chainId: 31_337n, reset: true, minCommitAge: 0n })).to.deep.equal([]);
    expect(confirmationQuestions({ chainId: SEPOLIA, reset: true, yes: true })).to.deep.equal([]);
    expect(confirmationQuestions({ chainId: SEPOLIA })).to.deep.equal([]);
    expect(confirmationQuestions({ chainId: SEPOLIA, reset: true, minCommitAge: 0n })).to.deep.equal([
      `Commit-reveal is off on chain ${SEPOLIA}: anyone watching the mempool can register a digest first. Deploy anyway?`,
      `--reset forgets the deployment record of chain ${SEPOLIA}, so Ignition deploys anew. Continue?`,
    ]);
  });
});

describe("ignitionFailureLine", function () {
  it("keeps the reasons Ignition lists below its first line, and says what to do", function () {
    const message =
      "The deployment wasn't run because of the following reconciliation errors:\n\n" +
      "  * KnowledgeRegistry#KnowledgeRegistry: Argument at index 0 has been changed\n" +
      "  * RewardPools#RewardPools: Argument at index 0 has been changed";
    expect(ignitionFailureLine(message, "ignition/deployments/chain-11155111")).to.equal(
      "The deployment wasn't run because of the following reconciliation errors: " +
        "KnowledgeRegistry#KnowledgeRegistry: Argument at index 0 has been changed; " +
        "RewardPools#RewardPools: Argument at index 0 has been changed " +
        "(the deployment recorded in ignition/deployments/chain-11155111 was made with other parameters or code: " +
        "pass --reset to deploy anew, or another --deployment-id)",
    );
    expect(ignitionFailureLine("Failures:\n\n  * A#A/1: reverted")).to.equal("Failures: A#A/1: reverted");
    expect(ignitionFailureLine("one line")).to.equal("one line");
  });
});
