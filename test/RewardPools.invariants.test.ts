import { expect } from "chai";
import fc from "fast-check";
import { ethers, ignition, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionReceipt, ContractTransactionResponse, Interface, Signer } from "ethers";

import RewardPoolsModule from "../ignition/modules/RewardPools";
import { PoolsReducer, decodeLogs, type ReducerLog } from "../src/poolsReducer";
import { COMMIT_REVEAL_OFF, digestOf, registration } from "./helpers/registry";
import { signClaim } from "./helpers/pools";
import {
  ArtifactModel,
  CommonsModel,
  ModelRevert,
  PoolModel,
  Q,
  type Action,
  type ClaimTarget,
  type OpModel,
} from "./helpers/poolModel";
import type { KnowledgeRegistry, MockERC20, PoolsInspector, RewardPools } from "../typechain-types";

/**
 * Random-sequence property test of RewardPools against the exact reference model in `helpers/poolModel.ts`, and of
 * the SDK's log reducer (`src/poolsReducer.ts`) against the contract's views.
 *
 * After every step, for every pool:
 * - the reducer, rebuilt from the logs alone, equals `pool()`, `member()` of every artifact (the checkpoint only
 *   while the artifact has weight: a settle of a removed member moves it without an event), `claimed` and
 *   `claimableBySlot` of every slot, exactly;
 * - every claimable, the carry and the unreleased amount are within `tol` wei of the model, either way, where
 *   `tol` = 2 + the pool's transactions so far. Each stored distribution rounds the index down and keeps < 1 wei
 *   as carry, which the next distribution gives to whoever is a member then (up to 1 wei per distribution shifted
 *   between members); streams release rate × elapsed in units of 2^-32 (< 2^-32 wei per second per stream behind
 *   the exact release, caught up at each end); a cancel's rounded-up release adds < 1 wei to the carry; the
 *   entitlement floors (< 1 wei);
 * - invariant 3: each artifact's booked earnings and pending upstream (plus the unsettled part, split by its
 *   upstreamBps) are within tol of the model's exact split;
 * - solvency per token (pools may share one): balance ≥ Σ claimable + carried + unreleased + pending upstream;
 * - Σ paid ≤ Σ received − Σ refunded.
 * At the end (every stream over, everything settled 8 levels and claimed): Σ paid + Σ claimable + carried +
 * unreleased = Σ received − Σ refunded − δ, 0 ≤ δ < D + S + 1 (D stored distributions, S contributor slots).
 */

// Under coverage every opcode is instrumented and ~20x slower; there a few sequences cover the lines.
const NUM_RUNS = Number(process.env.POOLS_FC_RUNS ?? (process.env.SOLIDITY_COVERAGE ? 12 : 300));
const MAX_OPS = Number(process.env.POOLS_FC_MAX_OPS ?? 4);
const SEED =
  process.env.POOLS_FC_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.POOLS_FC_SEED);
/** Print the running numbers every this many sequences (0: only at the end). */
const PROGRESS = Number(process.env.POOLS_FC_PROGRESS ?? 0);
/** Streams per sequence stay below MAX_ENDS_PER_ACCRUE, so no call reverts AccrualBehind. */
const MAX_STREAMS = 24;

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  The lineage graph
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Contributors are signers 1..6 (c0..c5); signers 7..9 only receive moved slots; 10 and 11 fund; 0 curates. */
interface Spec {
  name: string;
  parents: string[];
  upstreamBps: number;
  contributors: [number, number][]; // [contributor index c_i, share]
}

// prettier-ignore
const LINEAGE: Spec[] = [
  { name: "R1", parents: [], upstreamBps: 0, contributors: [[0, 3], [1, 1]] },
  { name: "R2", parents: [], upstreamBps: 0, contributors: [[2, 1]] },
  { name: "R3", parents: [], upstreamBps: 0, contributors: [[0, 5], [3, 7], [4, 11]] },
  { name: "M1", parents: ["R1"], upstreamBps: 2000, contributors: [[1, 1], [5, 2]] },
  { name: "M2", parents: ["R1", "R2"], upstreamBps: 5000, contributors: [[3, 1]] },
  { name: "A1", parents: ["M1", "M2", "R3"], upstreamBps: 10_000, contributors: [[4, 1], [2, 1]] },
  { name: "Z", parents: ["R3", "M1"], upstreamBps: 0, contributors: [[5, 1]] },
];
/** Children before parents. */
const SETTLE_ALL = ["A1", "Z", "M1", "M2", "R3", "R1", "R2"];
const DIGEST = new Map(LINEAGE.map((s) => [s.name, digestOf(`invariants:${s.name}`)]));
const NAME = new Map([...DIGEST].map(([n, d]) => [d, n]));
const DIGESTS = LINEAGE.map((s) => DIGEST.get(s.name)!);
const ALL_SLOTS: ClaimTarget[] = LINEAGE.flatMap((s) =>
  s.contributors.map((_, slot) => ({ artifact: DIGEST.get(s.name)!, slot })),
);
const DECIMALS = [18, 6, 0] as const;
const DELAYS = [0, 0, 60, 3600] as const;
const CURATOR = 0;
const FUNDERS = [10, 11];
const ACCOUNTS = 12;
const SCALE = 1n << 40n;

async function invariantsFixture() {
  const signers = await ethers.getSigners();
  const { registry, pools } = (await ignition.deploy(RewardPoolsModule, {
    parameters: COMMIT_REVEAL_OFF,
  })) as unknown as { registry: KnowledgeRegistry; pools: RewardPools };
  for (const s of LINEAGE) {
    await registry.connect(signers[CURATOR]).register(
      registration({
        digest: DIGEST.get(s.name)!,
        contributors: s.contributors.map(([c, share]) => ({ account: signers[1 + c].address, share })),
        parents: s.parents.map((p) => DIGEST.get(p)!),
        upstreamBps: s.upstreamBps,
      }),
    );
  }
  const tokens: MockERC20[] = [];
  for (const d of DECIMALS) {
    const token = await ethers.deployContract("MockERC20", [`Token ${d}`, `T${d}`, d]);
    for (const f of FUNDERS) {
      await token.mint(signers[f].address, 1n << 125n);
      await token.connect(signers[f]).approve(await pools.getAddress(), ethers.MaxUint256);
    }
    tokens.push(token);
  }
  const inspector = (await ethers.deployContract("PoolsInspector")) as unknown as PoolsInspector;
  const start = await ethers.provider.getBlockNumber();
  return { registry, pools, tokens, inspector, signers, start };
}

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  Operations
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

type Amount = bigint | { units: number };
type CurateKind = "admit" | "setWeight" | "remove" | "admitMany";
type BlockOp =
  | { kind: "fund"; pool: number; amount: Amount }
  | { kind: "fundStream"; pool: number; amount: Amount; duration: number; cancelable: boolean }
  | { kind: "settle"; pool: number; artifacts: number[]; levels: number }
  | { kind: "accrue"; pool: number };
type Op =
  | { kind: "createPool"; token: number; delay: number }
  | { kind: CurateKind; pool: number; artifacts: number[]; weights: bigint[] }
  | { kind: "executeChange"; pool: number; pick: number }
  | { kind: "cancelChange"; pool: number; pick: number }
  | { kind: "fund"; pool: number; amount: Amount; funder: number }
  | {
      kind: "fundStream";
      pool: number;
      amount: Amount;
      duration: number;
      cancelable: boolean;
      funder: number;
    }
  | { kind: "cancelStream"; pool: number; pick: number }
  | { kind: "advance"; seconds: number }
  | { kind: "block"; ops: BlockOp[] }
  | {
      kind: "claim";
      pool: number;
      claimant: number;
      picks: number[];
      recipient: number;
      mode: number;
      max: bigint;
    }
  | { kind: "moveSlot"; artifact: number; slot: number; to: number }
  | { kind: "retract"; artifact: number }
  | { kind: "settle"; pool: number; artifacts: number[]; levels: number }
  | { kind: "accrue"; pool: number };

const CLAIM_MODES = ["claim", "claimFor", "claimBySig"] as const;

function opText(op: Op | BlockOp): string {
  const art = (i: number) => LINEAGE[i].name;
  const amt = (a: Amount) => (typeof a === "bigint" ? `${a}n` : `${a.units} units`);
  switch (op.kind) {
    case "createPool":
      return `createPool(${DECIMALS[op.token]} decimals, delay ${DELAYS[op.delay]})`;
    case "admit":
    case "setWeight":
    case "remove":
    case "admitMany":
      return `${op.kind}(p${op.pool}, [${op.artifacts.map(art)}], [${op.weights}])`;
    case "executeChange":
    case "cancelChange":
    case "cancelStream":
      return `${op.kind}(p${op.pool}, pick ${op.pick})`;
    case "fund":
      return `fund(p${op.pool}, ${amt(op.amount)})`;
    case "fundStream":
      return `fundStream(p${op.pool}, ${amt(op.amount)}, ${op.duration}s, ${op.cancelable ? "cancelable" : "fixed"})`;
    case "advance":
      return `advance(${op.seconds}s)`;
    case "block":
      return `block[${op.ops.map(opText).join("; ")}]`;
    case "claim":
      return `${CLAIM_MODES[op.mode]}(p${op.pool}, signer ${op.claimant}, picks [${op.picks}], to ${op.recipient}, max ${op.max})`;
    case "moveSlot":
      return `moveSlot(${art(op.artifact)}#${op.slot} -> signer ${op.to})`;
    case "retract":
      return `retract(${art(op.artifact)})`;
    case "settle":
      return `settle(p${op.pool}, [${op.artifacts.map(art)}], ${op.levels} levels)`;
    case "accrue":
      return `accrue(p${op.pool})`;
  }
}

function readable<T extends Op>(op: T): T {
  return Object.assign(op, { [fc.toStringMethod]: () => opText(op) });
}

const poolIx = fc.nat({ max: 2 });
const artifactIx = fc.nat({ max: LINEAGE.length - 1 });
const weightArb = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt(1n, 10n) },
  { weight: 2, arbitrary: fc.bigInt(1n, 1_000_000n) },
  { weight: 1, arbitrary: fc.constant((1n << 32n) - 1n) },
);
const amountArb: fc.Arbitrary<Amount> = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt(1n, 1_000n) },
  { weight: 3, arbitrary: fc.bigInt(1n, 10n ** 27n) },
  { weight: 1, arbitrary: fc.bigInt((1n << 100n) - (1n << 64n), 1n << 100n) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 1_000_000 }).map((units) => ({ units })) },
);
const secondsArb = (max: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 60 }) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 100_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max }) },
  );
const settleArb = fc.record({
  kind: fc.constant("settle" as const),
  pool: poolIx,
  artifacts: fc.shuffledSubarray([...LINEAGE.keys()], { minLength: 1 }),
  levels: fc.integer({ min: 1, max: 8 }),
});
const fundArb = fc.record({ kind: fc.constant("fund" as const), pool: poolIx, amount: amountArb });
const streamArb = fc.record({
  kind: fc.constant("fundStream" as const),
  pool: poolIx,
  amount: amountArb,
  duration: secondsArb(10_000_000),
  cancelable: fc.boolean(),
});
const accrueArb = fc.record({ kind: fc.constant("accrue" as const), pool: poolIx });
const funderArb = fc.constantFrom(...FUNDERS);
const curateArb = (kind: CurateKind) =>
  fc
    .record({
      kind: fc.constant(kind),
      pool: poolIx,
      artifacts:
        kind === "admitMany"
          ? fc.shuffledSubarray([...LINEAGE.keys()], { minLength: 1 })
          : artifactIx.map((a) => [a]),
      weights: fc.array(weightArb, { minLength: LINEAGE.length, maxLength: LINEAGE.length }),
    })
    .map((op) => ({ ...op, weights: op.weights.slice(0, op.artifacts.length) }));
const createPoolArb = fc.record({
  kind: fc.constant("createPool" as const),
  token: fc.nat({ max: 2 }),
  delay: fc.nat({ max: DELAYS.length - 1 }),
});

const opArb: fc.Arbitrary<Op> = fc
  .oneof(
    { weight: 1, arbitrary: createPoolArb },
    { weight: 4, arbitrary: curateArb("admit") },
    { weight: 2, arbitrary: curateArb("admitMany") },
    { weight: 2, arbitrary: curateArb("setWeight") },
    { weight: 1, arbitrary: curateArb("remove") },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("executeChange" as const),
        pool: poolIx,
        pick: fc.nat({ max: 5 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("cancelChange" as const),
        pool: poolIx,
        pick: fc.nat({ max: 5 }),
      }),
    },
    { weight: 3, arbitrary: fc.tuple(fundArb, funderArb).map(([o, funder]) => ({ ...o, funder })) },
    { weight: 3, arbitrary: fc.tuple(streamArb, funderArb).map(([o, funder]) => ({ ...o, funder })) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("cancelStream" as const),
        pool: poolIx,
        pick: fc.nat({ max: 5 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant("advance" as const), seconds: secondsArb(20_000_000) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("block" as const),
        ops: fc.array(fc.oneof(fundArb, streamArb, settleArb, accrueArb), { minLength: 2, maxLength: 3 }),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("claim" as const),
        pool: poolIx,
        claimant: fc.integer({ min: 1, max: 9 }),
        picks: fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6]),
        recipient: fc.nat({ max: ACCOUNTS - 1 }),
        mode: fc.nat({ max: 2 }),
        max: fc.oneof(fc.constant(ethers.MaxUint256), fc.bigInt(0n, 10n ** 20n)),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("moveSlot" as const),
        artifact: artifactIx,
        slot: fc.nat({ max: 2 }),
        to: fc.integer({ min: 1, max: 9 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("retract" as const), artifact: artifactIx }) },
    { weight: 2, arbitrary: settleArb },
    { weight: 1, arbitrary: accrueArb },
  )
  .map(readable);

const sequenceArb = fc
  .tuple(createPoolArb.map(readable), fc.array(opArb, { minLength: 4, maxLength: MAX_OPS, size: "max" }))
  .map(([first, rest]) => [first, ...rest]);

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  The harness
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

type Env = Awaited<ReturnType<typeof invariantsFixture>>;

interface PoolState {
  id: bigint;
  token: MockERC20;
  tokenIx: number;
  model: PoolModel;
  /** Pool transactions so far. */
  txs: bigint;
  /** Change ids announced (executed or not). */
  changes: bigint[];
  received: bigint;
  refunded: bigint;
  paid: bigint;
}

interface Outcome {
  receipt?: ContractTransactionReceipt;
  error?: string;
}

const stats = {
  sequences: 0,
  steps: 0,
  checks: 0,
  claims: 0,
  reverts: 0,
  reducerLogs: 0,
  maxDeviation: 0n,
  maxShare: 0,
  maxDelta: 0n,
  revertNames: new Map<string, number>(),
};

function errorName(e: unknown, ifaces: Interface[]): string {
  const err = e as { data?: string; error?: { data?: string }; revert?: { name?: string } };
  if (err.revert?.name) return err.revert.name;
  const data = err.data ?? err.error?.data;
  if (typeof data === "string") {
    for (const iface of ifaces) {
      const parsed = iface.parseError(data);
      if (parsed) return parsed.name;
    }
  }
  throw e;
}

const ACTION_OF: Record<Exclude<CurateKind, "admitMany">, Action> = {
  admit: "Admit",
  setWeight: "SetWeight",
  remove: "Remove",
};

let fixtureLogs: { block: number; logs: ReducerLog[] } | undefined;

class Harness {
  readonly model: CommonsModel;
  readonly pools: PoolState[] = [];
  readonly reducer = new PoolsReducer();
  private nextBlock: number;
  clock: bigint;
  streamsCreated = 0;
  private readonly ifaces: Interface[];
  private addresses = { pools: "", registry: "" };

  constructor(
    readonly env: Env,
    start: bigint,
  ) {
    this.clock = start;
    this.nextBlock = 0;
    this.model = new CommonsModel(
      LINEAGE.map(
        (s) =>
          new ArtifactModel(
            DIGEST.get(s.name)!,
            s.parents.map((p) => DIGEST.get(p)!),
            BigInt(s.upstreamBps),
            s.contributors.map(([, share]) => BigInt(share)),
            s.contributors.map(([c]) => env.signers[1 + c].address),
          ),
      ),
    );
    this.ifaces = [env.pools.interface, env.registry.interface, env.tokens[0].interface];
  }

  async init() {
    this.addresses = {
      pools: await this.env.pools.getAddress(),
      registry: await this.env.registry.getAddress(),
    };
    // The registry's logs from deployment on: the reducer learns every artifact from them (read once: every
    // sequence starts from the same fixture).
    if (!fixtureLogs || fixtureLogs.block !== this.env.start) {
      fixtureLogs = { block: this.env.start, logs: await this.readLogs(0, this.env.start) };
    }
    this.reducer.apply(fixtureLogs.logs);
    this.nextBlock = this.env.start + 1;
  }

  private signer(i: number): Signer {
    return this.env.signers[i];
  }

  private async send(tx: () => Promise<ContractTransactionResponse>): Promise<Outcome> {
    this.clock += 1n;
    await network.provider.send("evm_setNextBlockTimestamp", [Number(this.clock)]);
    try {
      const response = await tx();
      return { receipt: (await response.wait())! };
    } catch (e) {
      return { error: this.recordRevert(e) };
    }
  }

  private recordRevert(e: unknown): string {
    stats.reverts++;
    const error = errorName(e, this.ifaces);
    stats.revertNames.set(error, (stats.revertNames.get(error) ?? 0) + 1);
    return error;
  }

  private expectOutcome(outcome: Outcome, expected: string | undefined, what: string) {
    expect(
      outcome.error,
      `${what}: ${expected ? `expected revert ${expected}` : "reverted on chain"}`,
    ).to.equal(expected);
  }

  /** Runs `change` on a copy of the model: the error it throws, or the copy to commit. */
  private predict<T>(
    model: PoolModel,
    change: (m: PoolModel) => T,
  ): { next?: PoolModel; error?: string; value?: T } {
    const next = model.clone();
    try {
      const value = change(next);
      return { next, value };
    } catch (e) {
      if (e instanceof ModelRevert) return { error: e.errorName };
      throw e;
    }
  }

  /** A pool transaction predicted by the model. */
  private async modelled<T>(
    state: PoolState,
    what: string,
    change: (m: PoolModel, now: bigint) => T,
    tx: () => Promise<ContractTransactionResponse>,
  ): Promise<{ outcome: Outcome; value?: T }> {
    const now = this.clock + 1n;
    const prediction = this.predict(state.model, (m) => change(m, now));
    const outcome = await this.send(tx);
    this.expectOutcome(outcome, prediction.error, what);
    if (!outcome.error) {
      state.model = prediction.next!;
      state.txs++;
    }
    return { outcome, value: prediction.value };
  }

  private amountOf(state: PoolState, amount: Amount): bigint {
    return typeof amount === "bigint"
      ? amount
      : BigInt(amount.units) * 10n ** BigInt(DECIMALS[state.tokenIx]);
  }

  private pool(i: number): PoolState {
    return this.pools[i % this.pools.length];
  }

  private eventArgs(receipt: ContractTransactionReceipt, name: string): unknown[][] {
    const out: unknown[][] = [];
    for (const log of receipt.logs) {
      if (log.address !== this.addresses.pools) continue;
      const parsed = this.env.pools.interface.parseLog(log);
      if (parsed?.name === name) out.push([...parsed.args]);
    }
    return out;
  }

  private noteFunding(state: PoolState, receipt: ContractTransactionReceipt) {
    for (const args of this.eventArgs(receipt, "PoolFunded")) state.received += args[3] as bigint;
    for (const args of this.eventArgs(receipt, "StreamCreated")) state.received += args[4] as bigint;
  }

  async step(op: Op) {
    const { pools, registry, tokens } = this.env;
    const curator = pools.connect(this.signer(CURATOR));
    switch (op.kind) {
      case "createPool": {
        const delay = DELAYS[op.delay];
        const outcome = await this.send(() =>
          pools.createPool(tokens[op.token], this.signer(CURATOR), delay),
        );
        this.expectOutcome(outcome, undefined, "createPool");
        this.pools.push({
          id: BigInt(this.pools.length + 1),
          token: tokens[op.token],
          tokenIx: op.token,
          model: this.model.createPool(this.clock, BigInt(delay)),
          txs: 1n,
          changes: [],
          received: 0n,
          refunded: 0n,
          paid: 0n,
        });
        expect(await pools.poolCount()).to.equal(BigInt(this.pools.length));
        break;
      }
      case "admit":
      case "setWeight":
      case "remove":
      case "admitMany": {
        const state = this.pool(op.pool);
        const digests = op.artifacts.map((i) => DIGESTS[i]);
        const ops: OpModel[] = digests.map((artifact, i) => ({
          artifact,
          weight: op.kind === "remove" ? 0n : op.weights[i],
          action: op.kind === "admitMany" ? "Admit" : ACTION_OF[op.kind],
        }));
        const { outcome, value } = await this.modelled(
          state,
          opText(op),
          (m, now) => m.curate(ops, now),
          () => {
            if (op.kind === "admitMany") return curator.admitMany(state.id, digests, op.weights);
            if (op.kind === "remove") return curator.remove(state.id, digests[0]);
            return curator[op.kind](state.id, digests[0], op.weights[0]);
          },
        );
        if (!outcome.error && value !== undefined) {
          const [announced] = this.eventArgs(outcome.receipt!, "CurationAnnounced");
          expect(announced.slice(0, 3)).to.deep.equal([
            state.id,
            value,
            this.clock + state.model.curationDelay,
          ]);
          state.changes.push(value);
        }
        break;
      }
      case "executeChange":
      case "cancelChange": {
        const state = this.pool(op.pool);
        const changeId = state.changes.length === 0 ? 1n : state.changes[op.pick % state.changes.length];
        await this.modelled(
          state,
          opText(op),
          (m, now) => (op.kind === "executeChange" ? m.execute(changeId, now) : m.cancelChange(changeId)),
          () =>
            op.kind === "executeChange"
              ? pools.connect(this.signer(7)).executeChange(state.id, changeId)
              : curator.cancelChange(state.id, changeId),
        );
        break;
      }
      case "fund":
      case "fundStream":
        await this.funding(this.pool(op.pool), op, op.funder);
        break;
      case "cancelStream": {
        const state = this.pool(op.pool);
        const list = state.model.streams.filter((s) => s.cancelable);
        if (list.length === 0) break;
        const s = list[op.pick % list.length];
        const funder = this.env.signers.find((x) => x.address === s.funder)!;
        const before = await state.token.balanceOf(s.funder);
        const { outcome, value } = await this.modelled(
          state,
          opText(op),
          (m, now) => m.cancelStream(s.funder, s.start, s.end, now),
          () => pools.connect(funder).cancelStream(state.id, s.start, s.end),
        );
        if (!outcome.error) {
          const [args] = this.eventArgs(outcome.receipt!, "StreamCancelled");
          expect(args[4], "refund").to.equal(value);
          expect((await state.token.balanceOf(s.funder)) - before).to.equal(value);
          state.refunded += value!;
        }
        break;
      }
      case "advance":
        this.clock += BigInt(op.seconds);
        await network.provider.send("evm_setNextBlockTimestamp", [Number(this.clock)]);
        await network.provider.send("evm_mine", []);
        break;
      case "block":
        await this.block(op.ops);
        break;
      case "claim":
        await this.claim(this.pool(op.pool), op);
        break;
      case "moveSlot": {
        const artifact = this.model.artifacts.get(DIGESTS[op.artifact])!;
        const slot = op.slot % artifact.holders.length;
        const holder = this.env.signers.find((s) => s.address === artifact.holders[slot])!;
        const to = this.env.signers[op.to].address;
        let expected: string | undefined;
        try {
          this.model.moveSlot(artifact.id, slot, holder.address, to);
        } catch (e) {
          if (!(e instanceof ModelRevert)) throw e;
          expected = e.errorName;
        }
        const outcome = await this.send(() => registry.connect(holder).moveSlot(artifact.id, slot, to));
        this.expectOutcome(outcome, expected, opText(op));
        break;
      }
      case "retract": {
        const id = DIGESTS[op.artifact];
        let expected: string | undefined;
        try {
          this.model.retract(id);
        } catch (e) {
          if (!(e instanceof ModelRevert)) throw e;
          expected = e.errorName;
        }
        const outcome = await this.send(() =>
          registry.connect(this.signer(CURATOR)).retract(id, "property test"),
        );
        this.expectOutcome(outcome, expected, opText(op));
        break;
      }
      case "settle": {
        const state = this.pool(op.pool);
        const digests = op.artifacts.map((i) => DIGESTS[i]);
        await this.modelled(
          state,
          opText(op),
          (m, now) => m.settle(digests, op.levels, now),
          () => pools.connect(this.signer(8)).settle(state.id, digests, op.levels),
        );
        break;
      }
      case "accrue": {
        const state = this.pool(op.pool);
        await this.modelled(
          state,
          opText(op),
          (m, now) => m.distribute(now),
          () => pools.connect(this.signer(9)).accrue(state.id),
        );
        break;
      }
    }
  }

  private async funding(state: PoolState, op: BlockOp & { kind: "fund" | "fundStream" }, funderIx: number) {
    const funder = this.signer(funderIx);
    const address = this.env.signers[funderIx].address;
    const amount = this.amountOf(state, op.amount);
    if (op.kind === "fundStream" && this.streamsCreated >= MAX_STREAMS) return;
    const { outcome } = await this.modelled(
      state,
      opText(op),
      (m, now) =>
        op.kind === "fund"
          ? m.fund(amount, now)
          : m.fundStream(address, amount, BigInt(op.duration), op.cancelable, now),
      () =>
        op.kind === "fund"
          ? this.env.pools.connect(funder).fund(state.id, amount)
          : this.env.pools.connect(funder).fundStream(state.id, amount, op.duration, op.cancelable, 0),
    );
    if (!outcome.error) {
      this.noteFunding(state, outcome.receipt!);
      if (op.kind === "fundStream") this.streamsCreated++;
    }
  }

  /** Several calls in one block (automine off), in nonce order from one funder; none of them can revert. */
  private async block(ops: BlockOp[]) {
    const funderIx = FUNDERS[0];
    const funder = this.signer(funderIx);
    const address = this.env.signers[funderIx].address;
    const pools = this.env.pools.connect(funder);
    this.clock += 1n;
    const now = this.clock;
    const sent: { state: PoolState; response: ContractTransactionResponse }[] = [];
    await network.provider.send("evm_setAutomine", [false]);
    try {
      let nonce = await funder.getNonce();
      for (const op of ops) {
        if (op.kind === "fundStream" && this.streamsCreated >= MAX_STREAMS) continue;
        const state = this.pool(op.pool);
        const overrides = { nonce: nonce++, gasLimit: 3_000_000 };
        let response: ContractTransactionResponse;
        if (op.kind === "fund") {
          const amount = this.amountOf(state, op.amount);
          state.model.fund(amount, now);
          response = await pools.fund(state.id, amount, overrides);
        } else if (op.kind === "fundStream") {
          const amount = this.amountOf(state, op.amount);
          state.model.fundStream(address, amount, BigInt(op.duration), op.cancelable, now);
          this.streamsCreated++;
          response = await pools.fundStream(state.id, amount, op.duration, op.cancelable, 0, overrides);
        } else if (op.kind === "settle") {
          const digests = op.artifacts.map((i) => DIGESTS[i]);
          state.model.settle(digests, op.levels, now);
          response = await pools.settle(state.id, digests, op.levels, overrides);
        } else {
          state.model.distribute(now);
          response = await pools.accrue(state.id, overrides);
        }
        state.txs++;
        sent.push({ state, response });
      }
      await network.provider.send("evm_mine", [Number(now)]);
    } finally {
      await network.provider.send("evm_setAutomine", [true]);
    }
    let block: number | undefined;
    for (const { state, response } of sent) {
      const receipt = (await response.wait())!;
      block ??= receipt.blockNumber;
      expect(receipt.blockNumber, "one block").to.equal(block);
      this.noteFunding(state, receipt);
    }
  }

  private async claim(state: PoolState, op: Extract<Op, { kind: "claim" }>) {
    const claimant = this.env.signers[op.claimant];
    const recipient =
      CLAIM_MODES[op.mode] === "claimFor" ? claimant.address : this.env.signers[op.recipient].address;
    const held = this.model.slotsOf(claimant.address);
    let targets = op.picks.filter((p) => p < held.length).map((p) => held[p]);
    if (targets.length === 0) targets = held;
    if (targets.length === 0) targets = [ALL_SLOTS[op.claimant % ALL_SLOTS.length]];
    await this.claimTargets(state, claimant, targets, recipient, CLAIM_MODES[op.mode], op.max, opText(op));
  }

  /** Claims on chain, then replays the claim on the model with the amounts the chain paid and compares. */
  async claimTargets(
    state: PoolState,
    claimant: Signer,
    targets: ClaimTarget[],
    recipient: string,
    mode: (typeof CLAIM_MODES)[number],
    maxAmount: bigint,
    what: string,
  ) {
    const account = await claimant.getAddress();
    const now = this.clock + 1n;
    const tol = state.txs + 2n;
    const pools = this.env.pools;
    const max = mode === "claimBySig" ? maxAmount : ethers.MaxUint256;
    const dry = this.predict(state.model, (m) => m.claim(account, targets, now, undefined, max));
    // A zero maximum touches no target, so not even the holders are checked.
    if (max === 0n) dry.error = "NothingToClaim";
    let tx: () => Promise<ContractTransactionResponse>;
    if (mode === "claim") tx = () => pools.connect(claimant).claim(state.id, targets, recipient);
    else if (mode === "claimFor")
      tx = () => pools.connect(this.signer(7)).claimFor(state.id, account, targets);
    else {
      const nonce = await pools.nonces(account);
      const deadline = now + 3600n;
      const message = { poolId: state.id, targets, recipient, claimant: account, maxAmount, nonce, deadline };
      const signature = await signClaim(claimant, pools, message);
      tx = () =>
        pools
          .connect(this.signer(11))
          .claimBySig(state.id, targets, recipient, account, maxAmount, nonce, deadline, signature);
    }
    const outcome = await this.send(tx);
    if (dry.error) {
      this.expectOutcome(outcome, dry.error, what);
      return;
    }
    if (outcome.error) {
      expect(outcome.error, `${what} reverted`).to.equal("NothingToClaim");
      // Nothing paid: every target owed at most the tolerance, or the signed maximum is 0.
      if (max !== 0n)
        for (const o of dry.value ?? [])
          expect(o.cmp(tol) <= 0, `${what}: chain pays 0, model owes ${o}`).to.equal(true);
      return;
    }
    stats.claims++;
    const receipt = outcome.receipt!;
    const paid = targets.map(() => 0n);
    let total = 0n;
    for (const args of this.eventArgs(receipt, "RewardsClaimed")) {
      const [poolId, artifact, claimantArg, slot, to, amount] = args as [
        bigint,
        string,
        string,
        bigint,
        string,
        bigint,
      ];
      expect([poolId, claimantArg, to]).to.deep.equal([state.id, account, recipient]);
      const i = targets.findIndex((t) => t.artifact === artifact && BigInt(t.slot) === slot);
      expect(i, "RewardsClaimed for a slot not claimed").to.be.greaterThanOrEqual(0);
      paid[i] += amount;
      total += amount;
    }
    expect(total > 0n && total <= max, `${what}: paid ${total}, max ${max}`).to.equal(true);
    const next = state.model.clone();
    const owed = next.claim(account, targets, now, paid, max);
    // Below the maximum every target is paid in full; at it, the targets are paid in order and none over.
    owed.forEach((o, i) => {
      if (total < max)
        this.within(paid[i], o, tol, `${what}: paid to ${NAME.get(targets[i].artifact)}#${targets[i].slot}`);
      else expect(o.add(tol).cmp(paid[i]) >= 0, `${what}: overpaid target ${i}`).to.equal(true);
    });
    state.model = next;
    state.paid += total;
    state.txs++;
  }

  private within(chain: bigint, model: Q, tol: bigint, what: string) {
    const lag = model.sub(chain);
    if (lag.cmp(tol) > 0 || lag.cmp(-tol) < 0)
      expect.fail(`${what}: chain ${chain}, model ${model} (tolerance ${tol} wei)`);
    const abs = lag.cmp(0n) < 0 ? lag.mul(-1n) : lag;
    const wei = abs.floor();
    if (wei > stats.maxDeviation) stats.maxDeviation = wei;
    const share = Number(abs.n) / Number(abs.d) / Number(tol);
    if (share > stats.maxShare) stats.maxShare = share;
  }

  private async readLogs(from: number, to: number): Promise<ReducerLog[]> {
    const raw = await ethers.provider.getLogs({
      address: [this.addresses.pools, this.addresses.registry],
      fromBlock: from,
      toBlock: to,
    });
    const times = new Map<number, bigint>();
    for (const n of new Set(raw.map((l) => l.blockNumber))) {
      times.set(n, BigInt((await ethers.provider.getBlock(n))!.timestamp));
    }
    return decodeLogs(
      raw,
      this.addresses,
      { pools: this.env.pools.interface, registry: this.env.registry.interface },
      (n) => times.get(n)!,
    );
  }

  /** Gives the reducer every log since the last block it saw. */
  private async feedReducer(from: number) {
    const latest = await ethers.provider.getBlockNumber();
    if (latest < from) return;
    const logs = await this.readLogs(from, latest);
    stats.reducerLogs += logs.length;
    this.reducer.apply(logs);
    this.nextBlock = latest + 1;
  }

  /** Every invariant, for every pool, at the latest block. */
  async check(where: string) {
    stats.checks++;
    await this.feedReducer(this.nextBlock);
    const { pools, inspector } = this.env;
    const owedByToken = new Map<number, Q>();
    const balanceByToken = new Map<number, bigint>();
    // One call reads every view of every pool; the inspector adds balances and the call's timestamp.
    const iface = pools.interface;
    const perPool = 1 + DIGESTS.length + 2 * ALL_SLOTS.length;
    const calls = this.pools.flatMap((state) => [
      iface.encodeFunctionData("pool", [state.id]),
      ...DIGESTS.map((d) => iface.encodeFunctionData("member", [state.id, d])),
      ...ALL_SLOTS.map((t) => iface.encodeFunctionData("claimed", [state.id, t.artifact, t.slot])),
      ...ALL_SLOTS.map((t) => iface.encodeFunctionData("claimableBySlot", [state.id, t.artifact, t.slot])),
    ]);
    const all = await pools.multicall.staticCall(calls);
    const balances = new Map<number, bigint>();
    let timestamp = -1n;
    for (const state of this.pools) {
      if (balances.has(state.tokenIx)) continue;
      const [, balance, , ts] = await inspector.inspect(pools, state.id, []);
      balances.set(state.tokenIx, balance);
      expect(timestamp === -1n || timestamp === ts, "one timestamp").to.equal(true);
      timestamp = ts;
    }
    for (const [p, state] of this.pools.entries()) {
      const results = all.slice(p * perPool, (p + 1) * perPool);
      const [view] = iface.decodeFunctionResult("pool", results[0]);
      const balance = balances.get(state.tokenIx)!;
      const claimables = ALL_SLOTS.map(
        (_, i) =>
          iface.decodeFunctionResult(
            "claimableBySlot",
            results[1 + DIGESTS.length + ALL_SLOTS.length + i],
          )[0] as bigint,
      );
      const w = `${where}, pool ${state.id}`;
      // The reducer equals the views exactly.
      const r = this.reducer;
      expect(r.pool(state.id, timestamp), `${w}: reducer pool()`).to.deep.equal({
        token: view.token,
        curator: view.curator,
        pendingCurator: view.pendingCurator,
        curationDelay: view.curationDelay,
        totalWeight: view.totalWeight,
        index: view.index,
        lastUpdate: view.lastUpdate,
        rate: view.rate,
        nextStreamEnd: view.nextStreamEnd,
        streaming: view.streaming,
        carried: view.carried,
        changeCount: view.changeCount,
      });
      const members = DIGESTS.map((d, i) => {
        const [m] = iface.decodeFunctionResult("member", results[1 + i]);
        const chain = {
          weight: m[0],
          checkpoint: m[1],
          earnedScaled: m[2],
          pendingUpstreamScaled: m[3],
          upstreamBps: m[4],
          totalShares: m[5],
        } as Record<string, bigint>;
        const mine = r.member(state.id, d) as unknown as Record<string, bigint>;
        if (chain.weight === 0n) chain.checkpoint = mine.checkpoint = 0n;
        expect(mine, `${w}: reducer member(${NAME.get(d)})`).to.deep.equal(chain);
        return chain;
      });
      ALL_SLOTS.forEach((t, i) => {
        const [claimed] = iface.decodeFunctionResult("claimed", results[1 + DIGESTS.length + i]);
        const name = `${NAME.get(t.artifact)}#${t.slot}`;
        expect(r.claimed(state.id, t.artifact, t.slot), `${w}: reducer claimed ${name}`).to.equal(claimed);
        expect(
          r.claimableBySlot(state.id, t.artifact, t.slot, timestamp),
          `${w}: reducer claimable ${name}`,
        ).to.equal(claimables[i]);
      });

      // The model.
      const m = state.model;
      m.advanceTime(timestamp);
      const tol = state.txs + 2n;
      expect(view.totalWeight, `${w}: total weight`).to.equal(m.totalWeight);
      this.within(view.carried, m.carried, tol, `${w}: carried`);
      this.within(view.streaming, m.streaming, tol, `${w}: unreleased`);
      let sum = 0n;
      ALL_SLOTS.forEach((t, i) => {
        this.within(
          claimables[i],
          m.claimable(t.artifact, t.slot),
          tol,
          `${w}: claimable ${NAME.get(t.artifact)}#${t.slot}`,
        );
        sum += claimables[i];
      });
      // Invariant 3: each artifact's kept and upstream parts, settled or not, match the exact split.
      let pending = Q.ZERO;
      DIGESTS.forEach((d, i) => {
        const c = members[i];
        const a = this.model.artifacts.get(d)!;
        const direct = c.weight * (view.index - c.checkpoint);
        const up = (direct * a.upstreamBps) / 10_000n;
        const mm = m.members.get(d);
        const hasRetracted = a.parents.some((p) => this.model.artifacts.get(p)!.retracted);
        if (!hasRetracted) {
          this.within(
            (c.earnedScaled + direct - up) / SCALE,
            mm?.earned ?? Q.ZERO,
            tol,
            `${w}: kept by ${NAME.get(d)}`,
          );
          this.within(
            (c.pendingUpstreamScaled + up) / SCALE,
            mm?.pendingUpstream ?? Q.ZERO,
            tol,
            `${w}: upstream of ${NAME.get(d)}`,
          );
          pending = pending.add(new Q(c.pendingUpstreamScaled + up, SCALE));
        }
      });
      expect(
        state.paid <= state.received - state.refunded,
        `${w}: paid ${state.paid} > funded − refunded`,
      ).to.equal(true);
      expect(m.paid).to.equal(state.paid);
      expect(m.funded - m.refunded).to.equal(state.received - state.refunded);
      m.checkConservation();
      const owed = pending.add(sum + view.carried + view.streaming);
      owedByToken.set(state.tokenIx, (owedByToken.get(state.tokenIx) ?? Q.ZERO).add(owed));
      balanceByToken.set(state.tokenIx, balance);
    }
    for (const [ix, owed] of owedByToken) {
      const balance = balanceByToken.get(ix)!;
      expect(owed.cmp(balance) <= 0, `${where}: token ${ix} holds ${balance} < owed ${owed}`).to.equal(true);
    }
  }

  /** Ends every stream, settles everything, claims everything, and checks the books close. */
  async finish() {
    const { pools, inspector, signers } = this.env;
    const end = this.pools.reduce(
      (e, p) => (p.model.lastStreamEnd > e ? p.model.lastStreamEnd : e),
      this.clock,
    );
    await this.step(readable({ kind: "advance", seconds: Number(end - this.clock) + 1 }));
    const settleAll = SETTLE_ALL.map((n) => DIGEST.get(n)!);
    for (const state of this.pools) {
      await this.modelled(
        state,
        "final settle",
        (m, now) => m.settle(settleAll, 8, now),
        () => pools.settle(state.id, settleAll, 8),
      );
      await this.feedReducer(this.nextBlock);
      for (let s = 1; s <= 9; s++) {
        // The reducer (equal to the views after every step) says which slots hold something.
        const targets = this.reducer
          .earnings(signers[s].address, this.clock + 1n)
          .filter((e) => e.poolId === state.id && e.claimable > 0n)
          .map((e) => ({
            artifact: DIGESTS.find((d) => d.toLowerCase() === e.artifact)!,
            slot: Number(e.slot),
          }));
        if (targets.length > 0)
          await this.claimTargets(
            state,
            signers[s],
            targets,
            signers[s].address,
            "claim",
            ethers.MaxUint256,
            `final claim by ${s}`,
          );
      }
      await this.check("after claiming everything");
      const [view, , claimables] = await inspector.inspect(pools, state.id, ALL_SLOTS);
      const unclaimed = claimables.reduce((a, b) => a + b, 0n);
      expect(unclaimed, "everything was claimed").to.equal(0n);
      expect(view.streaming).to.equal(0n);
      // Σ paid + Σ claimable + carried + unreleased = Σ received − Σ refunded − δ, 0 ≤ δ < D + S + 1.
      const delta =
        state.received - state.refunded - (state.paid + unclaimed + view.carried + view.streaming);
      const bound = state.txs + BigInt(ALL_SLOTS.length) + 1n;
      expect(delta >= 0n && delta < bound, `pool ${state.id}: δ = ${delta}, bound ${bound}`).to.equal(true);
      if (delta > stats.maxDelta) stats.maxDelta = delta;
    }
  }
}

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  The property
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

describe("RewardPools", function () {
  describe("invariants under random sequences", function () {
    after(function () {
      console.log(`      ${summary()}`);
    });
    function summary(): string {
      const cpu = process.cpuUsage();
      return (
        `property (seed ${SEED}): ${stats.sequences} sequences, ${stats.steps} steps (${stats.claims} paying claims, ` +
        `${stats.reverts} expected reverts), ${stats.checks} full checks, ${stats.reducerLogs} logs reduced; ` +
        `worst deviation from the model ${stats.maxDeviation} wei (${stats.maxShare.toFixed(3)} of its tolerance); ` +
        `max final dust δ ${stats.maxDelta} wei; reverts ${JSON.stringify([...stats.revertNames])}; ` +
        `cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`
      );
    }

    it(
      "keeps every pool solvent, Σ paid ≤ Σ funded − Σ refunded, every claimable within tolerance of the exact " +
        "model, the log reducer equal to the views after every step, and closes the books",
      async function () {
        this.timeout(0);
        await fc.assert(
          fc.asyncProperty(sequenceArb, async (ops) => {
            const env = await loadFixture(invariantsFixture);
            const latest = await ethers.provider.getBlock("latest");
            const harness = new Harness(env, BigInt(latest!.timestamp));
            await harness.init();
            stats.sequences++;
            for (const [i, op] of ops.entries()) {
              await harness.step(op);
              stats.steps++;
              await harness.check(`after step ${i}: ${opText(op)}`);
            }
            await harness.finish();
            if (PROGRESS && stats.sequences % PROGRESS === 0) console.log(`      ${summary()}`);
          }),
          { numRuns: NUM_RUNS, seed: SEED, path: process.env.POOLS_FC_PATH, endOnFailure: true },
        );
      },
    );
  });
});
