import type { Signer } from "ethers";

import { encodeCall } from "../../src/calldata";
import { KcError, show } from "../../src/errors";
import { formatDuration, isoTime } from "../../src/format";
import { parseAmount, parseDuration } from "../../src/parse";
import { resolveSigner } from "../lib/contracts";
import { PROGRAM_CLAIM_TYPES, postedRoots, programsDomain, requireProgram } from "../../src/epochs/chain";
import { defaultEpochDir, epochChain, programsContract } from "../lib/epochs";
import { findProof, readManifest } from "../../src/epochs/epoch";
import { progressBar } from "../../src/epochs/progress";
import { nextEpoch, runEpoch, verifyEpoch } from "../../src/epochs/run";
import { signPermit, tokenInfo } from "../../src/token";
import { type Callable, eventNamed, sendCall } from "../../src/tx";
import {
  type CommonArgs,
  type UnsentArgs,
  addUnsentFlags,
  addressArg,
  keyValues,
  kcTask,
  proposeInstead,
  required,
  unsentMode,
} from "./common";

/**
 * Scored programs: `program-create`, `program-fund`, `program-show`, `epoch-build`, `epoch-post`, `epoch-verify`,
 * `epoch-veto`, `epoch-activate`, `epoch-claim`, `epoch-invalidate-nonces`. Every transaction goes through the SDK's one
 * write path (`src/tx.ts`): simulated before it is sent.
 */

interface ProgramArgs extends CommonArgs {
  programs?: string;
  program?: string;
  dir?: string;
}

function parseProgramId(s: string): bigint {
  const text = s.trim();
  if (!/^\d+$/.test(text) || BigInt(text) === 0n)
    throw new KcError(`program id must be a whole number from 1: ${show(s)}`);
  return BigInt(text);
}

function parseWholeNumber(s: string, flag: string): number {
  if (!/^\d+$/.test(s.trim())) throw new KcError(`--${flag} must be a whole number: ${show(s)}`);
  return Number(s.trim());
}

/** Sends `method(args)` on `contract` as `signer` through the SDK's one write path (simulated first). */
async function sent(
  signer: Signer,
  contract: Callable,
  method: string,
  args: readonly unknown[],
  label: string,
) {
  const result = await sendCall(signer, contract, method, args, label);
  const [step] = result.steps;
  return { txHash: step.hash, blockNumber: step.blockNumber, events: result.events };
}

const withPrograms = (t: Parameters<Parameters<typeof kcTask>[3]>[0]) =>
  t.addOptionalParam("programs", "ScoredPrograms address (default: env KC_PROGRAMS, else the deployment)");

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  program-create, program-fund, program-show
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

kcTask<ProgramArgs & { token?: string; scorer?: string; guardian?: string; window?: string }>(
  "program-create",
  "Create a scored program: token, scorer, guardian and dispute window are fixed here",
  { chain: true, signer: true },
  (t) =>
    withPrograms(t)
      .addOptionalParam("token", "ERC-20 the program pays")
      .addOptionalParam("scorer", "Who posts epoch roots (default: the sender)")
      .addOptionalParam("guardian", "Who may veto a pending root (default: the sender)")
      .addOptionalParam("window", "Dispute window: 45s, 90m, 1.5h, 3 days (default 1d)"),
  async (args, { hre, say }) => {
    const token = await addressArg(
      hre,
      required(args.token, "token", "0x5FbDB2315678afecb367f032d93F642f64180aa3"),
      "--token",
    );
    const signer = await resolveSigner(hre, args.from);
    const sender = await signer.getAddress();
    const scorer = args.scorer ? await addressArg(hre, args.scorer, "--scorer") : sender;
    const guardian = args.guardian ? await addressArg(hre, args.guardian, "--guardian") : sender;
    const window =
      args.window === undefined ? 86_400n : args.window.trim() === "0" ? 0n : parseDuration(args.window);
    const { programs } = await programsContract(hre, { ...args, signer });
    const { txHash, blockNumber, events } = await sent(
      signer,
      programs,
      "createProgram",
      [token, scorer, guardian, window],
      "create a program",
    );
    const id = eventNamed(events, "ProgramCreated").args.programId as bigint;
    const info = await tokenInfo(token, signer);
    say(`Created program #${id} paying ${info.symbol} (${token})`);
    for (const line of keyValues([
      ["scorer", scorer],
      ["guardian", guardian],
      ["window", formatDuration(window)],
      ["tx", `${txHash} (block ${blockNumber})`],
    ]))
      say(`  ${line}`);
    return { programId: id, token, scorer, guardian, disputeWindow: window, txHash, blockNumber };
  },
);

kcTask<ProgramArgs & { amount?: string; noPermit: boolean }>(
  "program-fund",
  "Fund a scored program (signs an ERC-2612 permit when the token supports it, else approves)",
  { chain: true, signer: true },
  (t) =>
    withPrograms(t)
      .addOptionalParam("program", "Program id")
      .addOptionalParam("amount", "Amount in token units, e.g. 1.5")
      .addFlag("noPermit", "Send an approve transaction even if the token supports ERC-2612 permit"),
  async (args, { hre, say }) => {
    const programId = parseProgramId(required(args.program, "program", "1"));
    const amountText = required(args.amount, "amount", "100");
    const signer = await resolveSigner(hre, args.from);
    const account = await signer.getAddress();
    const { programs, programsAddress } = await programsContract(hre, { ...args, signer });
    const view = await requireProgram(programs, programId);
    const token = await tokenInfo(view.token, signer);
    const amount = parseAmount(amountText, token.decimals);
    if (amount === 0n) throw new KcError("--amount must be greater than zero");
    const balance: bigint = await token.contract.balanceOf(account);
    if (balance < amount)
      throw new KcError(`${account} holds ${token.format(balance)}, less than ${token.format(amount)}`);
    const allowance: bigint = await token.contract.allowance(account, programsAddress);
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
    const permit =
      allowance >= amount || args.noPermit
        ? undefined
        : await signPermit(token, signer, programsAddress, amount, now + 3600n);
    let approval = allowance >= amount ? "existing allowance" : "ERC-2612 permit signature";
    let tx;
    const label = `fund program #${programId}`;
    if (permit) {
      const { deadline, v, r, s } = permit;
      tx = await sent(signer, programs, "fundWithPermit", [programId, amount, deadline, v, r, s], label);
    } else {
      if (allowance < amount) {
        const approve = await sent(signer, token.contract, "approve", [programsAddress, amount], "approve");
        approval = `approve tx ${approve.txHash}`;
      }
      tx = await sent(signer, programs, "fund", [programId, amount], label);
    }
    const event = eventNamed(tx.events, "ProgramFunded");
    const received = event.args.received as bigint;
    say(`Funded program #${programId} with ${token.format(amount)}`);
    for (const line of keyValues([
      ["received", token.format(received)],
      ["approval", approval],
      ["tx", `${tx.txHash} (block ${tx.blockNumber})`],
    ]))
      say(`  ${line}`);
    return { programId, amount, received, txHash: tx.txHash, blockNumber: tx.blockNumber };
  },
);

kcTask<ProgramArgs>(
  "program-show",
  "Show a scored program: roles, funds, active and pending roots, every posted epoch",
  { chain: true },
  (t) => withPrograms(t).addOptionalParam("program", "Program id"),
  async (args, { hre, say }) => {
    const programId = parseProgramId(required(args.program, "program", "1"));
    const chain = await epochChain(hre, args, programId);
    const view = await requireProgram(chain.programs, programId);
    const token = await tokenInfo(view.token, hre.ethers.provider);
    const roots = await postedRoots(chain.programs, programId, chain.fromBlock);
    say(`Program #${programId} pays ${token.symbol} (${view.token})`);
    for (const line of keyValues([
      ["scorer", view.scorer],
      ["guardian", view.guardian],
      ["window", formatDuration(view.disputeWindow)],
      ["received", token.format(view.received)],
      ["claimed", token.format(view.claimed)],
      [
        "active",
        view.activeEpoch === 0n
          ? "none yet"
          : `epoch ${view.activeEpoch}, root ${view.activeRoot}, total ${token.format(view.activeTotal)}`,
      ],
      [
        "pending",
        view.pendingValidAt === 0n
          ? "none"
          : `root ${view.pendingRoot}, total ${token.format(view.pendingTotal)}, active from ${isoTime(view.pendingValidAt)}`,
      ],
    ]))
      say(`  ${line}`);
    for (const r of roots)
      say(
        `  epoch ${r.epoch}: ${r.status.padEnd(10)} ${r.root} total ${token.format(r.cumulativeTotal)} (block ${r.blockNumber})`,
      );
    return {
      programId,
      token: view.token,
      symbol: token.symbol,
      scorer: view.scorer,
      guardian: view.guardian,
      disputeWindow: view.disputeWindow,
      received: view.received,
      claimed: view.claimed,
      activeEpoch: view.activeEpoch,
      activeRoot: view.activeRoot,
      activeTotal: view.activeTotal,
      pendingRoot: view.pendingValidAt === 0n ? null : view.pendingRoot,
      pendingValidAt: view.pendingValidAt === 0n ? null : view.pendingValidAt,
      roots,
    };
  },
);

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  epoch-build, epoch-post, epoch-verify
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

interface BuildArgs extends ProgramArgs {
  usage?: string;
  block?: string;
  epoch?: string;
  budget?: string;
}

kcTask<BuildArgs>(
  "epoch-build",
  "Compute an epoch from a usage file and the registry at a block: cumulative allocation, Merkle tree, proofs",
  { chain: true },
  (t) =>
    withPrograms(t)
      .addOptionalParam("program", "Program id")
      .addOptionalParam("usage", "Usage file (CSV digest,units or JSONL)")
      .addOptionalParam(
        "block",
        "Block at which the registry and the program's funds are read (default: latest)",
      )
      .addOptionalParam("epoch", "Epoch number (default: the active epoch + 1)")
      .addOptionalParam(
        "budget",
        "New funds to distribute, in token units (default: all funds not yet allocated)",
      )
      .addOptionalParam("dir", "Folder of the program's epochs (default: epochs/chain-<id>/program-<n>)"),
  async (args, { hre, say }) => {
    const programId = parseProgramId(required(args.program, "program", "1"));
    const usagePath = required(args.usage, "usage", "examples/usage-epoch1.csv");
    const chain = await epochChain(hre, args, programId);
    const block =
      args.block === undefined
        ? await hre.ethers.provider.getBlockNumber()
        : parseWholeNumber(args.block, "block");
    const epoch = args.epoch === undefined ? await nextEpoch(chain) : parseWholeNumber(args.epoch, "epoch");
    if (epoch < 1) throw new KcError("--epoch counts from 1");
    const view = await requireProgram(chain.programs, programId);
    const token = await tokenInfo(view.token, hre.ethers.provider);
    const budget = args.budget === undefined ? undefined : parseAmount(args.budget, token.decimals);
    const dir = args.dir ?? defaultEpochDir(chain.chainId, programId);
    const bar = progressBar("build");
    const { result, manifest, folder } = await runEpoch(
      chain,
      { usagePath, block, epoch, budget, dir },
      { write: true, progress: bar },
    );
    bar.done();
    say(`Built epoch ${epoch} of program #${programId} from ${usagePath} at block ${block}`);
    for (const line of keyValues([
      ["root", manifest.root],
      ["accounts", manifest.accounts],
      [
        "distributed",
        `${token.format(BigInt(manifest.allocated))} of ${token.format(BigInt(manifest.distributable))}`,
      ],
      ["dust carried", token.format(BigInt(manifest.dustOut))],
      ["cumulative", token.format(result.cumulativeTotal)],
      ["skipped", `${result.allocation.skipped.length} usage line(s) of retracted artifacts`],
      ["usage sha256", manifest.usage.sha256],
      ["allocation", `${folder}/allocation.csv (sha256 ${manifest.allocationSha256})`],
      ["proofs", `${folder}/proofs.csv`],
    ]))
      say(`  ${line}`);
    say(
      `Next: npx hardhat kc epoch-post --program ${programId} --epoch ${epoch}${args.dir ? ` --dir ${args.dir}` : ""}`,
    );
    return { ...manifest, folder };
  },
);

kcTask<ProgramArgs & { epoch?: string; usageUri?: string; allocationUri?: string }>(
  "epoch-post",
  "Post a built epoch's root (scorer only); it pays after the dispute window unless the guardian vetoes it",
  { chain: true, signer: true },
  (t) =>
    withPrograms(t)
      .addOptionalParam("program", "Program id")
      .addOptionalParam("epoch", "Epoch to post (default: the active epoch + 1)")
      .addOptionalParam("dir", "Folder of the program's epochs (default: epochs/chain-<id>/program-<n>)")
      .addOptionalParam("usageUri", "Where the usage file is published (ipfs://…, https://…)")
      .addOptionalParam("allocationUri", "Where the epoch folder is published"),
  async (args, { hre, say }) => {
    const programId = parseProgramId(required(args.program, "program", "1"));
    const signer = await resolveSigner(hre, args.from);
    const chain = await epochChain(hre, args, programId, signer);
    const epoch = args.epoch === undefined ? await nextEpoch(chain) : parseWholeNumber(args.epoch, "epoch");
    const dir = args.dir ?? defaultEpochDir(chain.chainId, programId);
    const m = readManifest(dir, epoch);
    if (!m) throw new KcError(`no built epoch ${epoch} in ${dir}; run kc epoch-build first (or pass --dir)`);
    if (
      m.program !== programId.toString() ||
      m.programs?.toLowerCase() !== chain.programsAddress.toLowerCase()
    ) {
      throw new KcError(
        `${dir}/epoch-${epoch} was built for program #${m.program} at ${m.programs}, not this one`,
      );
    }
    const params = [
      programId,
      epoch,
      m.root,
      BigInt(m.cumulativeTotal),
      m.usage.sha256,
      args.usageUri ?? "",
      m.allocationSha256,
      args.allocationUri ?? "",
    ] as const;
    const { txHash, blockNumber, events } = await sent(
      signer,
      chain.programs,
      "post",
      params,
      `post epoch ${epoch} of program #${programId}`,
    );
    const event = eventNamed(events, "RootPosted");
    const validAt = event.args.validAt as bigint;
    say(`Posted epoch ${epoch} of program #${programId}: root ${m.root}`);
    for (const line of keyValues([
      ["cumulative", m.cumulativeTotal],
      ["pays from", `${isoTime(validAt)} unless the guardian vetoes it`],
      ["tx", `${txHash} (block ${blockNumber})`],
    ]))
      say(`  ${line}`);
    return {
      programId,
      epoch,
      root: m.root,
      cumulativeTotal: m.cumulativeTotal,
      validAt,
      txHash,
      blockNumber,
    };
  },
);

kcTask<BuildArgs>(
  "epoch-verify",
  "Rebuild an epoch's root from the public inputs (usage file, registry at the block) and compare with the chain",
  { chain: true },
  (t) =>
    withPrograms(t)
      .addOptionalParam("program", "Program id")
      .addOptionalParam("epoch", "Epoch to verify")
      .addOptionalParam("usage", "The epoch's published usage file")
      .addOptionalParam(
        "block",
        "Registry block of the epoch (default: from the epoch's manifest.json in --dir)",
      )
      .addOptionalParam(
        "budget",
        "The epoch's budget in token units if it had one (default: from the manifest)",
      )
      .addOptionalParam("dir", "Folder of the program's epochs (default: epochs/chain-<id>/program-<n>)"),
  async (args, { hre, say }) => {
    const programId = parseProgramId(required(args.program, "program", "1"));
    const epoch = parseWholeNumber(required(args.epoch, "epoch", "1"), "epoch");
    const usagePath = required(args.usage, "usage", "examples/usage-epoch1.csv");
    const chain = await epochChain(hre, args, programId);
    const view = await requireProgram(chain.programs, programId);
    const token = await tokenInfo(view.token, hre.ethers.provider);
    const dir = args.dir ?? defaultEpochDir(chain.chainId, programId);
    const bar = progressBar("verify");
    const report = await verifyEpoch(
      chain,
      {
        usagePath,
        epoch,
        dir,
        block: args.block === undefined ? undefined : parseWholeNumber(args.block, "block"),
        budget: args.budget === undefined ? undefined : parseAmount(args.budget, token.decimals),
      },
      bar,
    );
    bar.done();
    say(
      report.match
        ? `MATCH: epoch ${epoch} of program #${programId} rebuilds to the posted root ${report.posted.root}`
        : `MISMATCH: epoch ${epoch} of program #${programId} does not rebuild to what was posted`,
    );
    for (const c of report.checks)
      say(
        `  ${c.ok ? "ok      " : "MISMATCH"} ${c.name}: posted ${c.posted}${c.ok ? "" : `, rebuilt ${c.computed}`}`,
      );
    say(`  status: ${report.posted.status}, registry block ${report.computed.block}`);
    if (!report.match) process.exitCode = 2;
    return {
      match: report.match,
      epoch,
      status: report.posted.status,
      checks: report.checks,
      block: report.computed.block,
    };
  },
);

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  epoch-veto, epoch-activate
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

kcTask<ProgramArgs & UnsentArgs & { root?: string }>(
  "epoch-veto",
  "Veto the pending root of a program (guardian only); it will never pay",
  { chain: true, signer: true },
  (t) =>
    addUnsentFlags(withPrograms(t))
      .addOptionalParam("program", "Program id")
      .addOptionalParam("root", "The pending root (default: the current one)"),
  async (args, ctx) => {
    const { hre, say } = ctx;
    const programId = parseProgramId(required(args.program, "program", "1"));
    const mode = unsentMode(args);
    const signer = mode ? undefined : await resolveSigner(hre, args.from);
    const { programs, programsAddress } = await programsContract(hre, { ...args, signer });
    const view = await requireProgram(programs, programId);
    if (view.pendingValidAt === 0n) throw new KcError(`program #${programId} has no pending root to veto`);
    const root = args.root ?? view.pendingRoot;
    if (mode) {
      const call = encodeCall(programs.interface, programsAddress, "veto", [programId, root]);
      return proposeInstead(ctx, mode, view.guardian, [call], `veto root ${root} of program #${programId}`);
    }
    const { txHash, blockNumber } = await sent(signer!, programs, "veto", [programId, root], `veto ${root}`);
    say(`Vetoed root ${root} of epoch ${view.activeEpoch + 1n} of program #${programId}`);
    say(`  tx: ${txHash} (block ${blockNumber})`);
    return { programId, epoch: view.activeEpoch + 1n, root, txHash, blockNumber };
  },
);

kcTask<ProgramArgs>(
  "epoch-activate",
  "Make a pending root whose dispute window ended active (anyone; claims also do it)",
  { chain: true, signer: true },
  (t) => withPrograms(t).addOptionalParam("program", "Program id"),
  async (args, { hre, say }) => {
    const programId = parseProgramId(required(args.program, "program", "1"));
    const signer = await resolveSigner(hre, args.from);
    const { programs } = await programsContract(hre, { ...args, signer });
    await requireProgram(programs, programId);
    const { txHash, blockNumber } = await sent(
      signer,
      programs,
      "activate",
      [programId],
      `activate the pending root of program #${programId}`,
    );
    const view = await programs.program(programId);
    say(`Activated epoch ${view.activeEpoch} of program #${programId}: root ${view.activeRoot}`);
    say(`  tx: ${txHash} (block ${blockNumber})`);
    return { programId, epoch: view.activeEpoch, root: view.activeRoot, txHash, blockNumber };
  },
);

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  epoch-claim, epoch-invalidate-nonces
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

interface ClaimArgs extends ProgramArgs {
  account?: string;
  recipient?: string;
  signer?: string;
  max?: string;
  epoch?: string;
}

kcTask<ClaimArgs>(
  "epoch-claim",
  "Claim a program's rewards with the proof from the active epoch's files (to the account, to another recipient, or signed)",
  { chain: true, signer: true },
  (t) =>
    withPrograms(t)
      .addOptionalParam("program", "Program id")
      .addOptionalParam(
        "account",
        "Whose rewards (default: the sender; anyone may claim an account's rewards to itself)",
      )
      .addOptionalParam("recipient", "Send them elsewhere: only the account itself, or with --signer")
      .addOptionalParam(
        "signer",
        "Gasless: this account (index or address) signs the claim and --from relays it",
      )
      .addOptionalParam("max", "With --signer: the most the signature lets the claim pay, in token units")
      .addOptionalParam("dir", "Folder of the program's epochs (default: epochs/chain-<id>/program-<n>)"),
  async (args, { hre, say }) => {
    const programId = parseProgramId(required(args.program, "program", "1"));
    const relayer = await resolveSigner(hre, args.from);
    const sender = await relayer.getAddress();
    const claimantSigner = args.signer ? await resolveSigner(hre, args.signer) : undefined;
    const account = claimantSigner
      ? await claimantSigner.getAddress()
      : args.account
        ? await addressArg(hre, args.account, "--account")
        : sender;
    const recipient = args.recipient
      ? await addressArg(hre, args.recipient, "--recipient", { nonZero: true })
      : account;
    if (recipient !== account && !claimantSigner && account !== sender) {
      throw new KcError(
        `only ${account} itself (or its signature, --signer) may send its rewards to another recipient`,
      );
    }
    const { programs, programsAddress, chainId } = await programsContract(hre, { ...args, signer: relayer });
    const view = await requireProgram(programs, programId);
    if (view.activeEpoch === 0n)
      throw new KcError(
        `program #${programId} has no active root yet (the first epoch is pending or was never posted)`,
      );
    const token = await tokenInfo(view.token, hre.ethers.provider);
    const dir = args.dir ?? defaultEpochDir(chainId, programId);
    const folder = `${dir}/epoch-${view.activeEpoch}`;
    const manifest = readManifest(dir, Number(view.activeEpoch));
    if (manifest && manifest.root !== view.activeRoot)
      throw new KcError(`${folder} holds root ${manifest.root}, but the active root is ${view.activeRoot}`);
    const entry = await findProof(folder, account);
    if (!entry)
      throw new KcError(`${account} has no amount in epoch ${view.activeEpoch} of program #${programId}`);
    let params: readonly unknown[];
    let method: string;
    if (claimantSigner) {
      const maxAmount = args.max ? parseAmount(args.max, token.decimals) : entry.cumulative;
      const nonce = await programs.nonces(account);
      const deadline = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp) + 3600n;
      const message = { programId, account, recipient, maxAmount, nonce, deadline };
      const signature = await claimantSigner.signTypedData(
        programsDomain(chainId, programsAddress),
        PROGRAM_CLAIM_TYPES,
        message,
      );
      const p = [
        programId,
        account,
        entry.cumulative,
        entry.proof,
        recipient,
        maxAmount,
        nonce,
        deadline,
        signature,
      ] as const;
      [params, method] = [p, "claimBySig"];
    } else if (recipient !== account) {
      const p = [programId, entry.cumulative, entry.proof, recipient] as const;
      [params, method] = [p, "claimTo"];
    } else {
      const p = [programId, account, entry.cumulative, entry.proof] as const;
      [params, method] = [p, "claim"];
    }
    const { txHash, blockNumber, events } = await sent(
      relayer,
      programs,
      method,
      params,
      `claim from program #${programId}`,
    );
    const amount = eventNamed(events, "RewardsClaimed").args.amount as bigint;
    say(
      `Claimed ${token.format(amount)} from program #${programId} for ${account}${recipient !== account ? ` to ${recipient}` : ""}`,
    );
    for (const line of keyValues([
      ["cumulative", `${token.format(entry.cumulative)} (epoch ${view.activeEpoch})`],
      ["method", method + (claimantSigner ? ` (signed by ${account}, relayed by ${sender})` : "")],
      ["tx", `${txHash} (block ${blockNumber})`],
    ]))
      say(`  ${line}`);
    return {
      programId,
      account,
      recipient,
      amount,
      cumulative: entry.cumulative,
      epoch: view.activeEpoch,
      method,
      txHash,
      blockNumber,
    };
  },
);

kcTask<ProgramArgs & { nonce?: string }>(
  "epoch-invalidate-nonces",
  "Revoke the sender's outstanding signed program claims: its nonce becomes --nonce",
  { signer: true },
  (t) =>
    withPrograms(t)
      .addOptionalParam("nonce", "The new nonce (larger than the current one)")
      .addOptionalParam("deploymentId", "Ignition deployment id"),
  async (args, { hre, say }) => {
    const nonce = BigInt(parseWholeNumber(required(args.nonce, "nonce", "5"), "nonce"));
    const signer = await resolveSigner(hre, args.from);
    const { programs } = await programsContract(hre, { ...args, signer });
    const { txHash, blockNumber } = await sent(
      signer,
      programs,
      "invalidateNonces",
      [nonce],
      "invalidate nonces",
    );
    say(`Signed program claims of ${await signer.getAddress()} with a nonce below ${nonce} are revoked`);
    say(`  tx: ${txHash} (block ${blockNumber})`);
    return { nonce, txHash, blockNumber };
  },
);
