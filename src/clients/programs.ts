import { Contract, type ContractRunner } from "ethers";

import type { ScoredPrograms } from "../../typechain-types";
import { scoredProgramsAbi } from "../abi";
import { PROGRAM_CLAIM_TYPES, programsDomain } from "../epochs/chain";
import { KcError } from "../errors";
import { TOKEN_ABI } from "../token";
import { type PlanResult, type SendOptions, eventNamed, sendCall } from "../tx";
import { signerOf } from "./registry";

/** The signed request of a program `claimBySig`. */
export interface ProgramClaimMessage {
  programId: bigint;
  account: string;
  recipient: string;
  maxAmount: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** A leaf of a posted epoch: the account's cumulative amount and its Merkle proof (from the epoch files). */
export interface ProgramProof {
  cumulativeAmount: bigint;
  proof: string[];
}

/**
 * The ScoredPrograms contract at `address`: usage-based rewards paid from Merkle roots of cumulative
 * amounts. Reads with any runner; writes and signatures with a Signer, through the plan → simulate → send path.
 */
export class Programs {
  readonly contract: ScoredPrograms;

  constructor(
    readonly address: string,
    readonly runner: ContractRunner,
  ) {
    this.contract = new Contract(address, scoredProgramsAbi, runner) as unknown as ScoredPrograms;
  }

  connect(runner: ContractRunner): Programs {
    return new Programs(this.address, runner);
  }

  // Reads

  programCount(): Promise<bigint> {
    return this.contract.programCount();
  }

  program(programId: bigint) {
    return this.contract.program(programId);
  }

  /** What `account` has claimed from `programId` so far. */
  claimed(programId: bigint, account: string): Promise<bigint> {
    return this.contract.claimed(programId, account);
  }

  // Writes

  /** Creates a program paying `token`, whose `scorer` posts roots that `guardian` may veto within `disputeWindow` seconds. */
  async createProgram(
    params: { token: string; scorer: string; guardian: string; disputeWindow: number },
    options?: SendOptions,
  ): Promise<{ programId: bigint; result: PlanResult }> {
    const result = await sendCall(
      signerOf(this.runner),
      this.contract,
      "createProgram",
      [params.token, params.scorer, params.guardian, params.disputeWindow],
      `create a program paying ${params.token}`,
      options,
    );
    return { programId: eventNamed(result.events, "ProgramCreated").args.programId as bigint, result };
  }

  /** Funds `programId` with `amount` base units, approving first when the allowance is short. */
  async fund(programId: bigint, amount: bigint, options?: SendOptions): Promise<PlanResult> {
    const signer = signerOf(this.runner);
    const token = new Contract((await this.contract.program(programId)).token, TOKEN_ABI, signer);
    if ((await token.allowance(await signer.getAddress(), this.address)) < amount) {
      await sendCall(
        signer,
        token,
        "approve",
        [this.address, amount],
        "approve the programs contract",
        options,
      );
    }
    return sendCall(
      signer,
      this.contract,
      "fund",
      [programId, amount],
      `fund program #${programId}`,
      options,
    );
  }

  /** Claims the sender's rewards of `programId` up to its cumulative amount, to `recipient` (default: itself). */
  async claim(
    programId: bigint,
    leaf: ProgramProof,
    recipient?: string,
    options?: SendOptions,
  ): Promise<PlanResult> {
    const signer = signerOf(this.runner);
    const account = await signer.getAddress();
    const [method, args] =
      recipient === undefined || recipient === account
        ? ["claim", [programId, account, leaf.cumulativeAmount, leaf.proof]]
        : ["claimTo", [programId, leaf.cumulativeAmount, leaf.proof, recipient]];
    return sendCall(signer, this.contract, method, args, `claim from program #${programId}`, options);
  }

  /** The typed data an account signs so a relayer can claim for it (`claimBySig`). */
  async claimTypedData(message: ProgramClaimMessage) {
    const provider = this.runner.provider;
    if (!provider) throw new KcError("the runner has no provider to read the chain id from");
    const { chainId } = await provider.getNetwork();
    return { domain: programsDomain(chainId, this.address), types: PROGRAM_CLAIM_TYPES, message };
  }

  async signClaim(message: ProgramClaimMessage): Promise<string> {
    const typed = await this.claimTypedData(message);
    return signerOf(this.runner).signTypedData(typed.domain, typed.types, typed.message);
  }

  relayClaim(message: ProgramClaimMessage, leaf: ProgramProof, signature: string, options?: SendOptions) {
    const m = message;
    return sendCall(
      signerOf(this.runner),
      this.contract,
      "claimBySig",
      [
        m.programId,
        m.account,
        leaf.cumulativeAmount,
        leaf.proof,
        m.recipient,
        m.maxAmount,
        m.nonce,
        m.deadline,
        signature,
      ],
      `claim from program #${m.programId} for ${m.account}`,
      options,
    );
  }
}
