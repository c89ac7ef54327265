import { Contract, type ContractRunner, MaxUint256 } from "ethers";

import type { RewardPools } from "../../typechain-types";
import { rewardPoolsAbi } from "../abi";
import {
  type ClaimResult,
  type ClaimTarget,
  type PoolClaim,
  claimAcrossPools,
  settle as settleDigests,
} from "../claims";
import type { RegistryIndex } from "../history/view";
import { announcedChanges, planAdmitMany } from "../pools";
import { KcError } from "../errors";
import { TOKEN_ABI } from "../token";
import { type PlanResult, type SendOptions, type SplitOptions, eventNamed, sendCall, sendPlan } from "../tx";
import { type ClaimMessage, type ClaimTypedData, claimTypedData, poolsDomain } from "../typedData";
import { signerOf } from "./registry";

export interface FundResult {
  /** What the pool credited (less than the amount for fee-on-transfer tokens). */
  received: bigint;
  /** The approve transaction, when the allowance was short. */
  approval?: PlanResult;
  result: PlanResult;
}

/**
 * The RewardPools singleton at `address`: reads with any runner; writes and signatures with a Signer,
 * every one through the plan → simulate → send path.
 */
export class Pools {
  readonly contract: RewardPools;

  constructor(
    readonly address: string,
    readonly runner: ContractRunner,
  ) {
    this.contract = new Contract(address, rewardPoolsAbi, runner) as unknown as RewardPools;
  }

  connect(runner: ContractRunner): Pools {
    return new Pools(this.address, runner);
  }

  // Reads

  poolCount(): Promise<bigint> {
    return this.contract.poolCount();
  }

  /** Token, curator, curation delay, weights, index, streams and carried funds of `poolId`. */
  pool(poolId: bigint) {
    return this.contract.pool(poolId);
  }

  member(poolId: bigint, artifact: string) {
    return this.contract.member(poolId, artifact);
  }

  /** What `account` can claim from `artifact` in `poolId` now. */
  claimable(poolId: bigint, artifact: string, account: string): Promise<bigint> {
    return this.contract.claimable(poolId, artifact, account);
  }

  /** What `account` can claim from all of `artifacts` in `poolId` now, in one call. */
  claimableMany(poolId: bigint, artifacts: string[], account: string): Promise<bigint> {
    return this.contract.claimableMany(poolId, artifacts, account);
  }

  // Writes

  /** Creates a pool paying `token`, curated by `curator` (default: the sender); returns its id. */
  async createPool(
    params: { token: string; curator?: string; curationDelay?: bigint },
    options?: SendOptions,
  ): Promise<{ poolId: bigint; result: PlanResult }> {
    const signer = signerOf(this.runner);
    const curator = params.curator ?? (await signer.getAddress());
    const result = await sendCall(
      signer,
      this.contract,
      "createPool",
      [params.token, curator, params.curationDelay ?? 0n],
      `create a pool paying ${params.token}`,
      options,
    );
    return { poolId: eventNamed(result.events, "PoolCreated").args.poolId as bigint, result };
  }

  /**
   * Admits `artifacts` with `weights` (curator only), in as few transactions as fit the per-transaction
   * gas cap; with a curation delay, each transaction announces a change to execute later.
   */
  async admitMany(
    poolId: bigint,
    artifacts: string[],
    weights: (number | bigint)[],
    options: SendOptions & SplitOptions = {},
  ): Promise<{ result: PlanResult; changes: { changeId: bigint; executeAfter: bigint }[] }> {
    const signer = signerOf(this.runner);
    const plan = await planAdmitMany(this.contract, signer, poolId, artifacts, weights, options);
    for (const note of plan.notes) options.status?.(note);
    const result = await sendPlan(plan, signer, options);
    return { result, changes: announcedChanges(result) };
  }

  /**
   * Funds `poolId` with `amount` base units, distributed at once by weight. Approves first when the
   * allowance is short (the fund is then simulated after the approval is mined: it cannot be before).
   */
  async fund(
    poolId: bigint,
    amount: bigint,
    options: SendOptions & { approveMax?: boolean } = {},
  ): Promise<FundResult> {
    const signer = signerOf(this.runner);
    const approval = await this.approveIfShort(poolId, amount, options);
    const result = await sendCall(
      signer,
      this.contract,
      "fund",
      [poolId, amount],
      `fund pool #${poolId}`,
      options,
    );
    return { received: eventNamed(result.events, "PoolFunded").args.received as bigint, approval, result };
  }

  /** Streams `amount` into `poolId` over `duration` seconds; `hint` as `streamEndHint` computes it. */
  async fundStream(
    poolId: bigint,
    amount: bigint,
    duration: bigint,
    params: { cancelable?: boolean; hint?: bigint } = {},
    options: SendOptions & { approveMax?: boolean } = {},
  ): Promise<FundResult> {
    const signer = signerOf(this.runner);
    const approval = await this.approveIfShort(poolId, amount, options);
    const result = await sendCall(
      signer,
      this.contract,
      "fundStream",
      [poolId, amount, duration, params.cancelable ?? false, params.hint ?? 0n],
      `stream into pool #${poolId}`,
      options,
    );
    return { received: eventNamed(result.events, "StreamCreated").args.received as bigint, approval, result };
  }

  private async approveIfShort(
    poolId: bigint,
    amount: bigint,
    options: SendOptions & { approveMax?: boolean },
  ): Promise<PlanResult | undefined> {
    const signer = signerOf(this.runner);
    const token = new Contract((await this.contract.pool(poolId)).token, TOKEN_ABI, signer);
    const allowance: bigint = await token.allowance(await signer.getAddress(), this.address);
    if (allowance >= amount) return undefined;
    const value = options.approveMax ? MaxUint256 : amount;
    return sendCall(
      signer,
      token,
      "approve",
      [this.address, value],
      `approve the pools to take ${value}`,
      options,
    );
  }

  /** Settles `artifacts` (one lineage step each) so their upstream flow reaches their parents. */
  settle(poolId: bigint, artifacts: string[], options?: SendOptions & SplitOptions) {
    return settleDigests(this.contract, signerOf(this.runner), poolId, artifacts, options);
  }

  /**
   * Claims `entries` (per pool: targets, and descendants to settle first) to `recipient`, split into as
   * many transactions as the gas cap needs; undefined when nothing is claimable.
   */
  claim(
    entries: PoolClaim[],
    recipient: string,
    options: SendOptions & SplitOptions & { index?: RegistryIndex } = {},
  ): Promise<ClaimResult | undefined> {
    return claimAcrossPools(this.contract, signerOf(this.runner), entries, recipient, options);
  }

  // Gasless claims

  async claimTypedData(message: ClaimMessage): Promise<ClaimTypedData> {
    const provider = this.runner.provider;
    if (!provider) throw new KcError("the runner has no provider to read the chain id from");
    const { chainId } = await provider.getNetwork();
    return claimTypedData(poolsDomain(chainId, this.address), message);
  }

  /** Signs `message` for `claimBySig` with this client's signer (the claimant). */
  async signClaim(message: ClaimMessage): Promise<string> {
    const typed = await this.claimTypedData(message);
    return signerOf(this.runner).signTypedData(typed.domain, typed.types, typed.message);
  }

  /** Relays a signed claim; the relayer (this client's signer) pays the gas, the recipient gets the tokens. */
  relayClaim(message: ClaimMessage, signature: string, options?: SendOptions): Promise<PlanResult> {
    const m = message;
    return sendCall(
      signerOf(this.runner),
      this.contract,
      "claimBySig",
      [
        m.poolId,
        m.targets as ClaimTarget[],
        m.recipient,
        m.claimant,
        m.maxAmount,
        m.nonce,
        m.deadline,
        signature,
      ],
      `claim from pool #${m.poolId} for ${m.claimant}`,
      options,
    );
  }
}
