import { createInterface } from "node:readline/promises";

import { resolveSigner } from "../lib/contracts";
import { deploySuite } from "../lib/deploy";
import { formatDuration } from "../../src/format";
import { tokenInfo } from "../../src/token";
import { type CommonArgs, keyValues, kcTask } from "./common";

interface DeployArgs extends CommonArgs {
  token: boolean;
  reset: boolean;
  yes: boolean;
  parameters?: string;
}

kcTask<DeployArgs>(
  "deploy",
  "Deploy KnowledgeRegistry and RewardPools with Ignition (plus the CommunityToken demo token with --token)",
  { signer: true },
  (t) =>
    t
      .addFlag("token", "Also deploy CommunityToken, an ERC-20 with permit, for local and test networks")
      .addFlag("reset", "Forget the recorded deployment for this chain and deploy anew")
      .addFlag(
        "yes",
        "Confirm --reset or commit-reveal off on a non-local chain without being asked (needed without a terminal)",
      )
      .addOptionalParam(
        "parameters",
        "Ignition parameters file (default: ignition/parameters/<network>.json)",
      )
      .addOptionalParam(
        "deploymentId",
        "Ignition deployment id (default: env KC_DEPLOYMENT_ID, else chain-<id>)",
      ),
  async (args, { hre, json, say, status }) => {
    const from = args.from ? await (await resolveSigner(hre, args.from)).getAddress() : undefined;
    const result = await deploySuite(hre, {
      parameters: args.parameters,
      deploymentId: args.deploymentId,
      token: args.token,
      reset: args.reset,
      yes: args.yes,
      // At a terminal, ask; in scripts and under --json, --yes is the only way.
      confirm: !json && process.stdin.isTTY && process.stderr.isTTY ? ask : undefined,
      from,
      displayUi: !json,
      status,
    });
    let token: { address: string; symbol: string; supply: string } | undefined;
    if (result.token) {
      const info = await tokenInfo(result.token, hre.ethers.provider);
      token = {
        address: result.token,
        symbol: info.symbol,
        supply: info.format(await info.contract.totalSupply()),
      };
    }
    const commitReveal =
      result.minCommitAge === 0n
        ? "off (register is direct)"
        : `on (reveal after ${formatDuration(result.minCommitAge)}, within ${formatDuration(result.maxCommitAge)})`;
    say();
    say(`Deployed Knowledge Commons on ${result.network} (chain ${result.chainId})`);
    for (const line of keyValues([
      ["KnowledgeRegistry", result.registry],
      ["RewardPools", result.pools],
      ["ScoredPrograms", result.programs],
      ...(token ? [["CommunityToken", `${token.address} (supply ${token.supply})`] as [string, string]] : []),
      ["commit-reveal", commitReveal],
      ["parameters", result.parametersFile ?? "none (module defaults)"],
      ["deployment", result.deploymentDir ?? "not recorded (in-process network)"],
    ])) {
      say(`  ${line}`);
    }
    if (result.network === "hardhat") {
      say();
      say("Note: the in-process network vanishes when this command ends. Run `npx hardhat node` in another");
      say("terminal and use --network localhost to keep what you deploy.");
    }
    return { ...result, token };
  },
);

/** A yes/no question on the terminal; anything but y/yes is no. */
async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^(y|yes)$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
