import {
  Interface,
  type JsonFragment,
  type LogDescription,
  type Result,
  type Signer,
  type TransactionReceipt,
} from "ethers";

import { communityTokenAbi, knowledgeRegistryAbi, rewardPoolsAbi, scoredProgramsAbi } from "./abi";
import { describeError, findRevertData } from "./decodeError";
import { KcError } from "./errors";

/**
 * The one path every write takes: a {@link Plan} of one or more transactions → every step simulated
 * (`eth_estimateGas`, which executes it) before any is sent → sent in order, each mined before the next →
 * receipts decoded by event name. If any step fails to simulate, nothing is sent and the error names the
 * step. Work too big for one transaction is split by {@link splitToFit} so each fits the per-transaction gas
 * cap, and the plan says so in its `notes`.
 */

/** EIP-7825's per-transaction gas cap (2^24), enforced from the Osaka hardfork on. */
export const TX_GAS_CAP = 16_777_216n;

/** One transaction of a plan. */
export interface TxStep {
  /** What the transaction does, for messages: `claim pool #1 (artifacts 1–100 of 200)`. */
  label: string;
  to: string;
  data: string;
  value?: bigint;
  /**
   * Gas of a simulation made while planning (by {@link planSplit}, against the same state, nothing sent in
   * between); {@link sendPlan} simulates every step without one.
   */
  gas?: bigint;
}

export interface Plan {
  steps: TxStep[];
  /** What the plan decided for the user, e.g. that the work was split into several transactions. */
  notes: string[];
}

/** A step with the gas its simulation used. */
export interface SimulatedStep extends TxStep {
  gas: bigint;
}

/** An event of a receipt, decoded by name against the suite's ABIs. */
export interface DecodedEvent {
  name: string;
  address: string;
  args: Result;
  /** Index of the plan step whose receipt holds it. */
  step: number;
}

export interface SentStep extends SimulatedStep {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  receipt: TransactionReceipt;
}

export interface PlanResult {
  steps: SentStep[];
  /** Every decoded event of every receipt, in chain order. */
  events: DecodedEvent[];
  notes: string[];
}

export interface SendOptions {
  /** Largest gas one transaction may use; default {@link TX_GAS_CAP}. */
  maxPerTx?: bigint;
  /** ABIs to decode receipts and reverts with, besides the suite's own. */
  interfaces?: Interface[];
  /** Progress lines (`sending 2/3: …`). */
  status?: (message: string) => void;
}

let suiteEvents: Interface | undefined;

/** One Interface with the events of every contract of the suite, for decoding receipts by name. */
export function suiteEventInterface(): Interface {
  if (!suiteEvents) {
    const seen = new Set<string>();
    const fragments: JsonFragment[] = [];
    for (const abi of [knowledgeRegistryAbi, rewardPoolsAbi, scoredProgramsAbi, communityTokenAbi]) {
      for (const f of abi as readonly JsonFragment[]) {
        if (f.type !== "event") continue;
        const key = `${f.name}(${(f.inputs ?? []).map((i) => `${i.type}${i.indexed ? "!" : ""}`).join(",")})`;
        if (seen.has(key)) continue;
        seen.add(key);
        fragments.push(f);
      }
    }
    suiteEvents = new Interface(fragments);
  }
  return suiteEvents;
}

/** The events of `receipt` decoded by name (logs no ABI knows are skipped). */
export function decodeEvents(
  receipt: Pick<TransactionReceipt, "logs">,
  step = 0,
  interfaces: Interface[] = [],
): DecodedEvent[] {
  const events: DecodedEvent[] = [];
  for (const log of receipt.logs) {
    let parsed: LogDescription | null = null;
    for (const iface of [...interfaces, suiteEventInterface()]) {
      try {
        parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
      } catch {
        parsed = null;
      }
      if (parsed) break;
    }
    if (parsed) events.push({ name: parsed.name, address: log.address, args: parsed.args, step });
  }
  return events;
}

/** The events named `name`, or an error when there is none: receipts are read by name, never by position. */
export function eventsNamed(events: DecodedEvent[], name: string): DecodedEvent[] {
  return events.filter((e) => e.name === name);
}

/** The one event named `name` (the first if several); an error when there is none. */
export function eventNamed(events: DecodedEvent[], name: string): DecodedEvent {
  const found = events.find((e) => e.name === name);
  if (!found) throw new KcError(`the transaction emitted no ${name} event`);
  return found;
}

const stepName = (plan: Plan, i: number) =>
  plan.steps.length === 1
    ? plan.steps[i].label
    : `step ${i + 1}/${plan.steps.length} (${plan.steps[i].label})`;

/**
 * Simulates every step of `plan` as `signer` against the current state, in order, before anything is
 * sent (a step that carries the gas of its simulation while planning keeps it). Throws a one-line KcError:
 * the decoded revert, naming the step when the plan has several, or the step that would need more gas
 * than `maxPerTx`.
 */
export async function simulatePlan(
  plan: Plan,
  signer: Signer,
  options: SendOptions = {},
): Promise<SimulatedStep[]> {
  const maxPerTx = options.maxPerTx ?? TX_GAS_CAP;
  const from = await signer.getAddress();
  const simulated: SimulatedStep[] = [];
  for (const [i, step] of plan.steps.entries()) {
    let gas: bigint;
    if (step.gas !== undefined && step.gas <= maxPerTx) {
      simulated.push({ ...step, gas: step.gas });
      continue;
    }
    try {
      gas = await signer.estimateGas({ from, to: step.to, data: step.data, value: step.value ?? 0n });
    } catch (err) {
      // A one-transaction write fails with the reason alone, as a direct call would; a longer plan names the step.
      const reason = describeError(err);
      throw new KcError(
        plan.steps.length === 1 ? reason : `${stepName(plan, i)} would fail, nothing was sent: ${reason}`,
        { cause: err },
      );
    }
    if (gas > maxPerTx) {
      throw new KcError(
        `${stepName(plan, i)} needs ${gas} gas, more than one transaction may use (${maxPerTx}); nothing was sent`,
      );
    }
    simulated.push({ ...step, gas });
  }
  return simulated;
}

/** Gas limit to send with: the estimate plus 20 % headroom, never above the cap. */
function gasLimitFor(estimate: bigint, maxPerTx: bigint): bigint {
  const padded = (estimate * 12n) / 10n + 10_000n;
  return padded > maxPerTx ? maxPerTx : padded;
}

/**
 * Simulates every step, then sends them in order, each mined before the next; returns the receipts and
 * their events decoded by name. A step that fails after earlier ones were mined (the chain moved between
 * simulation and sending) throws a KcError saying which steps went through.
 */
export async function sendPlan(plan: Plan, signer: Signer, options: SendOptions = {}): Promise<PlanResult> {
  if (plan.steps.length === 0) throw new KcError("nothing to send");
  const maxPerTx = options.maxPerTx ?? TX_GAS_CAP;
  const status = options.status ?? (() => {});
  const simulated = await simulatePlan(plan, signer, options);
  const sent: SentStep[] = [];
  const events: DecodedEvent[] = [];
  for (const [i, step] of simulated.entries()) {
    if (plan.steps.length > 1) status(`sending ${stepName(plan, i)}`);
    try {
      const tx = await signer.sendTransaction({
        to: step.to,
        data: step.data,
        value: step.value ?? 0n,
        gasLimit: gasLimitFor(step.gas, maxPerTx),
      });
      const receipt = await tx.wait();
      if (!receipt || receipt.status !== 1) throw new KcError(`transaction ${tx.hash} reverted`);
      sent.push({
        ...step,
        hash: tx.hash,
        blockNumber: receipt.blockNumber,
        gasUsed: receipt.gasUsed,
        receipt,
      });
      events.push(...decodeEvents(receipt, i, options.interfaces));
    } catch (err) {
      const done =
        sent.length === 0
          ? "nothing was sent"
          : `steps 1–${sent.length} were mined (${sent.map((s) => s.hash).join(", ")})`;
      throw new KcError(`${stepName(plan, i)} failed: ${describeError(err)}; ${done}`, { cause: err });
    }
  }
  return { steps: sent, events, notes: plan.notes };
}

/** Whether an estimate failed because the work does not fit one transaction, rather than a revert. */
export function isGasLimitError(err: unknown): boolean {
  if (findRevertData(err) !== undefined) return false;
  const text = `${(err as { message?: string })?.message ?? err}`.toLowerCase();
  return /gas|out of gas|exceeds .*limit|cap/.test(text) && !/insufficient funds/.test(text);
}

export interface SplitOptions {
  /** Largest gas one transaction may use; default {@link TX_GAS_CAP}. */
  maxPerTx?: bigint;
  /** Share of `maxPerTx` a chunk's estimate may reach, leaving room for the chain to move; default 0.9. */
  fill?: number;
}

export interface Split<T> {
  /** The chunks, contiguous and in order, with their estimates. */
  chunks: { items: T[]; gas: bigint }[];
}

/**
 * Splits `items` into as few contiguous chunks as keep each chunk's transaction under `fill × maxPerTx`.
 * `estimate(chunk)` returns the gas of the chunk's transaction, or throws: a revert is rethrown at once
 * (splitting cannot fix it); an error that says the gas did not fit halves the chunk. A chunk estimated
 * over budget is cut into `ceil(gas / budget)` equal parts and each is estimated again, so the usual cost is
 * one estimate for the whole plus one per chunk.
 */
export async function splitToFit<T>(
  items: T[],
  estimate: (chunk: T[]) => Promise<bigint>,
  options: SplitOptions = {},
): Promise<Split<T>> {
  const maxPerTx = options.maxPerTx ?? TX_GAS_CAP;
  const budget = BigInt(Math.floor(Number(maxPerTx) * (options.fill ?? 0.9)));
  const chunks: { items: T[]; gas: bigint }[] = [];
  const pending: T[][] = [items];
  while (pending.length > 0) {
    const chunk = pending.shift()!;
    let parts: number;
    try {
      const gas = await estimate(chunk);
      if (gas <= budget) {
        chunks.push({ items: chunk, gas });
        continue;
      }
      if (chunk.length === 1) {
        throw new KcError(
          `one item needs ${gas} gas, more than one transaction may use (${budget} of ${maxPerTx})`,
        );
      }
      parts = Math.max(2, Math.ceil(Number(gas) / Number(budget)));
    } catch (err) {
      if (err instanceof KcError || chunk.length === 1 || !isGasLimitError(err)) throw err;
      parts = 2;
    }
    parts = Math.min(parts, chunk.length);
    const size = Math.ceil(chunk.length / parts);
    const pieces: T[][] = [];
    for (let at = 0; at < chunk.length; at += size) pieces.push(chunk.slice(at, at + size));
    pending.unshift(...pieces);
  }
  return { chunks };
}

/** `items 1–100 of 200` for a chunk label. */
export function rangeLabel(from: number, count: number, total: number, noun: string): string {
  return count === total ? `${total} ${noun}` : `${noun} ${from + 1}–${from + count} of ${total}`;
}

/**
 * A plan of one `build(chunk)` transaction per chunk of `items` that fits the per-transaction gas cap, with
 * a note when it took more than one. `what` names the work in the note (`claims of 200 artifacts`).
 */
export async function planSplit<T>(
  signer: Signer,
  items: T[],
  build: (chunk: T[], from: number) => Promise<Omit<TxStep, "label">> | Omit<TxStep, "label">,
  label: (chunk: T[], from: number) => string,
  what: string,
  options: SplitOptions = {},
): Promise<Plan> {
  const from = await signer.getAddress();
  // Items keep their index so a chunk knows where it starts.
  const indexed = items.map((item, i) => ({ item, i }));
  const split = await splitToFit(
    indexed,
    async (chunk) => {
      const tx = await build(
        chunk.map((c) => c.item),
        chunk[0].i,
      );
      return signer.estimateGas({ from, to: tx.to, data: tx.data, value: tx.value ?? 0n });
    },
    options,
  );
  const steps: TxStep[] = [];
  for (const { items: chunk, gas } of split.chunks) {
    const plain = chunk.map((c) => c.item);
    const tx = await build(plain, chunk[0].i);
    steps.push({ ...tx, label: label(plain, chunk[0].i), gas });
  }
  const notes: string[] = [];
  if (steps.length > 1) {
    const max = options.maxPerTx ?? TX_GAS_CAP;
    notes.push(
      `split into ${steps.length} transactions: ${what} need more gas than one transaction may use (${max}); ` +
        `each is simulated before any is sent`,
    );
  }
  return { steps, notes };
}

/** Something with an address and an ethers Interface: a typechain contract, an ethers `Contract`. */
export interface Callable {
  readonly target: unknown;
  readonly interface: Interface;
}

/** The step that calls `method(args)` on `contract`. */
export function callStep(
  contract: Callable,
  method: string,
  args: readonly unknown[],
  label: string,
  value?: bigint,
): TxStep {
  return {
    label,
    to: contract.target as string,
    data: contract.interface.encodeFunctionData(method, args),
    ...(value === undefined ? {} : { value }),
  };
}

/** A plan of one call, simulated and sent through {@link sendPlan}. */
export function sendCall(
  signer: Signer,
  contract: Callable,
  method: string,
  args: readonly unknown[],
  label: string,
  options: SendOptions = {},
): Promise<PlanResult> {
  return sendPlan({ steps: [callStep(contract, method, args, label)], notes: [] }, signer, options);
}
