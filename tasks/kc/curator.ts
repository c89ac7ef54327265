import { type BaseContract, ZeroAddress, getAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { encodeCall } from "../../src/calldata";
import { resolveSigner } from "../lib/contracts";
import { programsContract } from "../lib/epochs";
import { requireProgram } from "../../src/epochs/chain";
import { KcError } from "../../src/errors";
import { requirePool } from "../../src/pools";
import { eventNamed, sendCall } from "../../src/tx";
import {
  type CommonArgs,
  addressArg,
  type UnsentArgs,
  addUnsentFlags,
  contractsFor,
  keyValues,
  kcTask,
  parseId,
  parsePoolId,
  proposeInstead,
  required,
  unsentMode,
} from "./common";

/**
 * Two-step handovers of a role: a pool's curator, a program's scorer and guardian. The holder proposes
 * (`--to`, zero withdraws the proposal), the proposed account accepts. Each takes `--calldata` / `--safe`
 * so a multisig holder proposes the transaction instead of a key sending it.
 */

type Role = "curator" | "scorer" | "guardian";
type Step = "propose" | "accept";

interface HandoverArgs extends CommonArgs, UnsentArgs {
  pool?: string;
  program?: string;
  programs?: string;
  to?: string;
}

interface Holders {
  contract: BaseContract;
  address: string;
  /** "pool #1", "program #2". */
  label: string;
  current: string;
  pending: string;
}

const capital = (s: string) => s[0].toUpperCase() + s.slice(1);

async function holdersOf(
  role: Role,
  id: bigint,
  args: HandoverArgs,
  ctx: { hre: HardhatRuntimeEnvironment },
): Promise<Holders> {
  if (role === "curator") {
    const { pools, poolsAddress } = await contractsFor(args, ctx.hre, false);
    const state = await requirePool(pools, id);
    return {
      contract: pools,
      address: poolsAddress,
      label: `pool #${id}`,
      current: state.curator,
      pending: state.pendingCurator,
    };
  }
  const { programs, programsAddress } = await programsContract(ctx.hre, args);
  const view = await requireProgram(programs, id);
  return {
    contract: programs,
    address: programsAddress,
    label: `program #${id}`,
    current: role === "scorer" ? view.scorer : view.guardian,
    pending: role === "scorer" ? view.pendingScorer : view.pendingGuardian,
  };
}

function handoverTask(role: Role, step: Step, description: string): void {
  const onPool = role === "curator";
  const name = `${onPool ? "pool" : "program"}-${step}-${role}`;
  const method = `${step}${capital(role)}`;
  kcTask<HandoverArgs>(
    name,
    description,
    { chain: true, signer: true },
    (t) => {
      let task = addUnsentFlags(t);
      task = onPool
        ? task.addOptionalParam("pool", "Pool id")
        : task
            .addOptionalParam("program", "Program id")
            .addOptionalParam(
              "programs",
              "ScoredPrograms address (default: env KC_PROGRAMS, else the deployment)",
            );
      return step === "propose"
        ? task.addOptionalParam(
            "to",
            `The new ${role} (0x0000000000000000000000000000000000000000 withdraws a proposal)`,
          )
        : task;
    },
    async (args, ctx) => {
      const { hre, say } = ctx;
      const id = onPool
        ? parsePoolId(required(args.pool, "pool", "1"))
        : parseId(required(args.program, "program", "1"), "program id");
      const proposed =
        step === "propose" ? await addressArg(hre, required(args.to, "to", "0x…"), "--to") : undefined;
      const mode = unsentMode(args);
      const h = await holdersOf(role, id, args, ctx);
      const from = step === "propose" ? h.current : h.pending;
      if (step === "accept" && h.pending === ZeroAddress) {
        throw new KcError(
          `nobody is proposed as ${role} of ${h.label}; its ${role} proposes with kc ${name.replace("accept", "propose")}`,
        );
      }
      const params = step === "propose" ? [id, proposed] : [id];
      const what =
        step === "propose"
          ? proposed === ZeroAddress
            ? `withdraw the proposed ${role} of ${h.label}`
            : `propose ${proposed} as ${role} of ${h.label}`
          : `make ${h.pending} the ${role} of ${h.label}`;
      if (mode)
        return proposeInstead(
          ctx,
          mode,
          from,
          [encodeCall(h.contract.interface, h.address, method, params)],
          what,
        );

      const signer = await resolveSigner(hre, args.from);
      const account = await signer.getAddress();
      if (getAddress(account) !== getAddress(from)) {
        throw new KcError(
          `only ${from} (${step === "propose" ? `the ${role}` : `the proposed ${role}`} of ${h.label}) may do this, not ${account}; use --from, or --safe / --calldata to propose it`,
        );
      }
      const result = await sendCall(signer, h.contract, method, params, what);
      const [tx] = result.steps;
      const event = eventNamed(
        result.events,
        `${capital(role)}${step === "propose" ? "Proposed" : "Transferred"}`,
      );
      if (step === "propose") {
        say(
          proposed === ZeroAddress
            ? `Withdrew the proposed ${role} of ${h.label}; ${h.current} stays ${role}`
            : `Proposed ${proposed} as ${role} of ${h.label}; it takes over when it runs kc ${name.replace("propose", "accept")}`,
        );
      } else {
        say(`${event.args[2]} is now the ${role} of ${h.label} (was ${event.args[1]})`);
      }
      for (const line of keyValues([["tx", `${tx.hash} (block ${tx.blockNumber})`]])) say(`  ${line}`);
      return {
        [onPool ? "poolId" : "programId"]: id,
        role,
        previous: event.args[1] as string,
        [step === "propose" ? "proposed" : role]: event.args[2] as string,
        txHash: tx.hash,
        blockNumber: tx.blockNumber,
      };
    },
  );
}

handoverTask(
  "curator",
  "propose",
  "Propose a new curator for a pool; it takes over when it accepts (curator only)",
);
handoverTask("curator", "accept", "Accept curation of a pool you were proposed for (proposed curator only)");
handoverTask(
  "scorer",
  "propose",
  "Propose a new scorer for a program; it takes over when it accepts (scorer only)",
);
handoverTask("scorer", "accept", "Accept the scorer role of a program (proposed scorer only)");
handoverTask("guardian", "propose", "Propose a new guardian for a program (guardian only)");
handoverTask("guardian", "accept", "Accept the guardian role of a program (proposed guardian only)");
