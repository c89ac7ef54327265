import { Contract, type ContractRunner, type Signer } from "ethers";

import type { KnowledgeRegistry } from "../../typechain-types";
import { knowledgeRegistryAbi } from "../abi";
import { KcError } from "../errors";
import {
  type BatchOutcome,
  type RegisterOptions,
  type RegisterOutcome,
  type RegistrationInput,
  registerArtifact,
  registerMany,
} from "../register";
import { type PlanResult, type SendOptions, type SplitOptions, sendCall } from "../tx";
import {
  type RegisterMessage,
  type RegisterTypedData,
  registerTypedData,
  registryDomain,
} from "../typedData";

/** The runner as a Signer, or a clear error for a read-only client asked to write. */
export function signerOf(runner: ContractRunner | null | undefined): Signer {
  if (!runner || typeof (runner as Signer).signTypedData !== "function" || !runner.sendTransaction) {
    throw new KcError("this client was made with a provider; pass a Signer to send or sign");
  }
  return runner as Signer;
}

/**
 * The KnowledgeRegistry at `address`: reads with any runner, writes and signatures with a Signer. Every write
 * goes through the plan → simulate → send path of `tx.ts`.
 */
export class Registry {
  readonly contract: KnowledgeRegistry;

  constructor(
    readonly address: string,
    readonly runner: ContractRunner,
  ) {
    this.contract = new Contract(address, knowledgeRegistryAbi, runner) as unknown as KnowledgeRegistry;
  }

  /** A client for the same registry with another runner. */
  connect(runner: ContractRunner): Registry {
    return new Registry(this.address, runner);
  }

  // Reads

  exists(digest: string): Promise<boolean> {
    return this.contract.exists(digest);
  }

  /** Owner, kind, scheme, upstream shares, retraction flag and stored URI of `digest`. */
  artifact(digest: string) {
    return this.contract.artifact(digest);
  }

  contributors(digest: string) {
    return this.contract.contributors(digest);
  }

  parents(digest: string): Promise<string[]> {
    return this.contract.parentsOf(digest);
  }

  /** The slot `account` holds in `digest`, or undefined. */
  async slotOf(digest: string, account: string): Promise<bigint | undefined> {
    const { found, slot } = await this.contract.slotOf(digest, account);
    return found ? slot : undefined;
  }

  latestVersion(digest: string): Promise<string> {
    return this.contract.latestVersion(digest);
  }

  /** Seconds a commitment must wait before its reveal; 0 when registration is direct. */
  minCommitAge(): Promise<bigint> {
    return this.contract.minCommitAge();
  }

  // Writes

  /** Registers one artifact (commit, wait, reveal when the deployment asks for commit-reveal). */
  register(input: RegistrationInput, options: RegisterOptions = {}): Promise<RegisterOutcome> {
    return registerArtifact(this.contract, signerOf(this.runner), input, options);
  }

  /** Registers many artifacts in as few transactions as fit (see `registerMany`). */
  registerMany(
    inputs: RegistrationInput[],
    options: RegisterOptions & SendOptions & SplitOptions = {},
  ): Promise<BatchOutcome> {
    return registerMany(this.contract, signerOf(this.runner), inputs, options);
  }

  setURI(digest: string, uri: string, options?: SendOptions): Promise<PlanResult> {
    return sendCall(
      signerOf(this.runner),
      this.contract,
      "setURI",
      [digest, uri],
      `set the URI of ${digest}`,
      options,
    );
  }

  retract(digest: string, reason: string, options?: SendOptions): Promise<PlanResult> {
    return sendCall(
      signerOf(this.runner),
      this.contract,
      "retract",
      [digest, reason],
      `retract ${digest}`,
      options,
    );
  }

  /** Moves the caller's contributor slot of `digest` to `newAccount` (a new key); unclaimed rewards follow. */
  moveSlot(digest: string, slot: bigint, newAccount: string, options?: SendOptions): Promise<PlanResult> {
    return sendCall(
      signerOf(this.runner),
      this.contract,
      "moveSlot",
      [digest, slot, newAccount],
      `move slot ${slot} of ${digest} to ${newAccount}`,
      options,
    );
  }

  // Gasless registration

  /** The typed data a registrant signs so a relayer can `registerBySig` for it. */
  async registerTypedData(message: RegisterMessage): Promise<RegisterTypedData> {
    const provider = this.runner.provider;
    if (!provider) throw new KcError("the runner has no provider to read the chain id from");
    const { chainId } = await provider.getNetwork();
    return registerTypedData(registryDomain(chainId, this.address), message);
  }

  /** Signs `message` for `registerBySig` with this client's signer. */
  async signRegistration(message: RegisterMessage): Promise<string> {
    const typed = await this.registerTypedData(message);
    return signerOf(this.runner).signTypedData(typed.domain, typed.types, typed.message);
  }

  /** Relays a signed registration; the relayer (this client's signer) pays. */
  relayRegistration(message: RegisterMessage, signature: string, options?: SendOptions): Promise<PlanResult> {
    const { registrant, nonce, deadline, ...registration } = message;
    return sendCall(
      signerOf(this.runner),
      this.contract,
      "registerBySig",
      [registration, registrant, nonce, deadline, signature],
      `register ${message.digest} for ${registrant}`,
      options,
    );
  }
}
