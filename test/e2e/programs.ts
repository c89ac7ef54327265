import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { NonceManager, type Provider, parseUnits } from "ethers";

import { Programs } from "../../src/clients/programs";
import type { CliNode } from "./harness";
import { wallet } from "./history";

/**
 * Scored programs for the index and app end-to-end suites: a program created and funded with the SDK (as account
 * 0, the deployer), and epochs built and posted with the CLI (`kc epoch-build`, `kc epoch-post`).
 */

export async function fundedProgram(
  provider: Provider,
  addrs: { programs: string; token: string },
  { window = 3600, amount = "1000", guardian = 1 } = {},
): Promise<bigint> {
  const deployer = wallet(provider, 0);
  // The provider may answer a nonce from its short cache; the manager counts this account's own transactions.
  const programs = new Programs(addrs.programs, new NonceManager(deployer));
  const { programId } = await programs.createProgram({
    token: addrs.token,
    scorer: deployer.address,
    guardian: wallet(provider, guardian).address,
    disputeWindow: window,
  });
  await programs.fund(programId, parseUnits(amount, 18));
  return programId;
}

/** `kc epoch-build` of `usage` (digest → units) into `dir`, then `kc epoch-post`; returns both outputs. */
export async function buildAndPost(
  cli: CliNode,
  programId: bigint,
  usage: [string, number][],
  dir: string,
  allocationUri?: string,
) {
  const file = join(cli.tmp, `usage-${programId}-${Date.now()}.csv`);
  writeFileSync(file, `digest,units\n${usage.map(([d, u]) => `${d},${u}`).join("\n")}\n`);
  const built = await cli.kcJson("epoch-build", "--program", `${programId}`, "--usage", file, "--dir", dir);
  const posted = await cli.kcJson(
    "epoch-post",
    "--program",
    `${programId}`,
    "--epoch",
    `${built.epoch}`,
    "--dir",
    dir,
    ...(allocationUri ? ["--allocation-uri", allocationUri] : []),
  );
  return { built, posted };
}

/** Moves the node's clock on by `seconds` and mines a block; returns that block's number and time. */
export async function travel(provider: { send(m: string, p: unknown[]): Promise<any> }, seconds: number) {
  await provider.send("evm_increaseTime", [seconds]);
  await provider.send("evm_mine", []);
  const latest = await provider.send("eth_getBlockByNumber", ["latest", false]);
  return { block: Number(latest.number), time: BigInt(latest.timestamp) };
}
