/**
 * The demo's scored epoch (issue 12): a program pays the community's artifacts for measured use in
 * examples/usage-epoch1.csv, through their lineage, with a Merkle root that waits out a dispute window.
 * Called by scripts/demo.ts after the pool part; kept in its own file so the demo's main flow stays short.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import ScoredProgramsModule from "../ignition/modules/ScoredPrograms";
import { findProof } from "../src/epochs/epoch";
import { runEpoch, verifyEpoch, type EpochChain } from "../src/epochs/run";
import { formatRounded, table } from "../src/format";
import type { TokenInfo } from "../src/token";
import type { KnowledgeRegistry, ScoredPrograms } from "../typechain-types";

const USAGE = join(__dirname, "..", "examples", "usage-epoch1.csv");
const BUDGET = 500n;
const WINDOW = 86_400;

export async function scoredEpochSection(
  hre: HardhatRuntimeEnvironment,
  ctx: {
    registry: KnowledgeRegistry;
    token: TokenInfo;
    treasury: HardhatEthersSigner;
    people: Record<string, HardhatEthersSigner>;
    out: (line?: string) => void;
    indent: (text: string) => string;
    check: (ok: boolean, text: string) => void;
  },
): Promise<void> {
  const { registry, token, treasury, people, out, indent, check } = ctx;
  const { programs: deployed } = await hre.ignition.deploy(ScoredProgramsModule);
  const programs = deployed as unknown as ScoredPrograms;
  const programsAddress = await programs.getAddress();
  const amount = BUDGET * 10n ** BigInt(token.decimals);
  const money = (v: bigint) => formatRounded(v, token.decimals);

  // The treasury creates a program (it scores and guards here; a community would use two parties) and funds it.
  const programId = (await programs.programCount()) + 1n;
  await (await programs.connect(treasury).createProgram(token.address, treasury, treasury, WINDOW)).wait();
  await (await token.contract.connect(treasury).getFunction("approve")(programsAddress, amount)).wait();
  await (await programs.connect(treasury).fund(programId, amount)).wait();

  // The scorer builds epoch 1 from the public usage file and the registry at this block, and posts it.
  const dir = mkdtempSync(join(tmpdir(), "kc-demo-epochs-"));
  const chain: EpochChain = {
    programs: programs.connect(treasury),
    programsAddress,
    registry,
    programId,
    chainId: (await hre.ethers.provider.getNetwork()).chainId,
    fromBlock: 0,
  };
  const block = await hre.ethers.provider.getBlockNumber();
  const { result, manifest, folder } = await runEpoch(
    chain,
    { usagePath: USAGE, block, epoch: 1, dir },
    { write: true },
  );
  await (
    await chain.programs.post(
      programId,
      1,
      manifest.root,
      BigInt(manifest.cumulativeTotal),
      manifest.usage.sha256,
      "examples/usage-epoch1.csv",
      manifest.allocationSha256,
      "",
    )
  ).wait();
  const verified = await verifyEpoch(chain, { usagePath: USAGE, epoch: 1, dir, block });

  // The dispute window passes without a veto; everyone claims with the proof from the epoch's files.
  await hre.ethers.provider.send("evm_increaseTime", [WINDOW]);
  await hre.ethers.provider.send("evm_mine", []);
  const rows: string[][] = [];
  let paid = 0n;
  let walletsMatch = true;
  for (const [name, signer] of Object.entries(people)) {
    const entry = await findProof(folder!, signer.address);
    if (!entry) continue;
    const before: bigint = await token.contract.balanceOf(signer.address);
    await (
      await programs.connect(signer).claim(programId, signer.address, entry.cumulative, entry.proof)
    ).wait();
    const got = ((await token.contract.balanceOf(signer.address)) as bigint) - before;
    if (got !== entry.cumulative) walletsMatch = false;
    paid += got;
    rows.push([name, money(got)]);
  }
  rows.push(["all", money(paid)]);

  out(
    `7. A scored epoch: program #${programId} pays ${BUDGET} ${token.symbol} for measured use (examples/usage-epoch1.csv),`,
  );
  out(
    "   through every level of lineage; the root waits out a 1-day dispute window, then everyone claims with a proof.",
  );
  out(indent(table(["contributor", `epoch 1 (${token.symbol})`], rows, ["left", "right"])));
  out(`   root ${manifest.root}, ${manifest.accounts} accounts, dust carried ${manifest.dustOut} wei`);
  check(
    verified.match,
    `epoch 1 rebuilds from the usage file and the registry at block ${block} to the posted root`,
  );
  check(
    paid + result.allocation.dust === amount,
    `epoch paid ${token.format(paid)} + carried dust ${result.allocation.dust} wei = budget ${token.format(amount)}`,
  );
  check(walletsMatch, "every wallet received exactly its amount in the epoch's allocation");
  rmSync(dir, { recursive: true, force: true });
}
