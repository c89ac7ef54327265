import { expect } from "chai";
import fc from "fast-check";
import { ethers, ignition, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionReceipt, ContractTransactionResponse, Interface, Signer } from "ethers";

import RewardPoolsModule from "../ignition/modules/RewardPools";
import { COMMIT_REVEAL_OFF, digestOf, registration } from "./helpers/registry";
import {
  ArtifactModel,
  CommonsModel,
  ModelAmbiguous,
  ModelRevert,
  PoolModel,
  Q,
  type ClaimTarget,
} from "./helpers/poolModel";
import type { KnowledgeRegistry, MockERC20, RewardPools } from "../typechain-types";

/**
 * Random-sequence property test of RewardPools against the exact reference model in `helpers/poolModel.ts`.
 *
 * Tolerance (token units, "wei"): after a pool's k-th transaction (createPool, curation, funding, settle, claim),
 * every claimable, carried and unreleased amount on chain is within k wei of the model, either way. The source is
 * the stream: each stored distribution releases floor(remaining × elapsed / left), so the chain's release lags
 * the exact one by < 1 wei more per distribution; the lag stays in the stream and is released later, to whoever
 * is a member then (so a member admitted late can get up to the lag MORE than the model, never more than the pool
 * holds). Add < 1 wei for the virtual release of a view or claim and < 1 for the entitlement floor; the pool index
 * (SCALE 2^40) and the scaled upstream splits cost < 2^-30 wei per operation. So the deviation is below
 * 2 + (distributions since the stream was funded) ≤ k, since createPool and that fundStream are transactions too.
 * Over-payment overall is excluded separately: solvency after every step and the closing identity.
 *
 * Closing identity: after settling and claiming everything, Σ paid + Σ claimable + carried + unreleased =
 * Σ funded - δ with 0 ≤ δ < D + S, where D is the number of stored distributions of the pool (each rounds its
 * promised amount up to a whole unit, keeping < 1 wei as dust) and S the number of contributor slots (each
 * entitlement floors).
 */

// Under coverage every opcode is instrumented and ~20x slower; there a few sequences cover the lines, and the
// full 300 run in `npm test`.
const NUM_RUNS = Number(process.env.POOLS_FC_RUNS ?? (process.env.SOLIDITY_COVERAGE ? 12 : 300));
const MAX_OPS = Number(process.env.POOLS_FC_MAX_OPS ?? 30);
const SEED = process.env.POOLS_FC_SEED === undefined ? undefined : Number(process.env.POOLS_FC_SEED);

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  The lineage graph
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Contributors are signers 1..6 (c0..c5); signers 7..9 only receive moved slots; 10 funds; 0 curates. */
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
/** Children before parents: one `settle` call with this order moves every pending amount up to the roots. */
const SETTLE_ALL = ["A1", "Z", "M1", "M2", "R3", "R1", "R2"];
const DIGEST = new Map(LINEAGE.map((s) => [s.name, digestOf(`invariants:${s.name}`)]));
const NAME = new Map([...DIGEST].map(([n, d]) => [d, n]));
const ALL_SLOTS: ClaimTarget[] = LINEAGE.flatMap((s) =>
  s.contributors.map((_, slot) => ({ artifact: DIGEST.get(s.name)!, slot })),
);
const DECIMALS = [18, 6, 0] as const;
const CURATOR = 0;
const FUNDER = 10;
const ACCOUNTS = 12; // signers 0..11 can be recipients

async function poolsFixture() {
  const signers = await ethers.getSigners();
  const { registry, pools } = (await ignition.deploy(RewardPoolsModule, { parameters: COMMIT_REVEAL_OFF })) as unknown as {
    registry: KnowledgeRegistry;
    pools: RewardPools;
  };
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
    await token.mint(signers[FUNDER].address, 1n << 125n);
    await token.connect(signers[FUNDER]).approve(await pools.getAddress(), ethers.MaxUint256);
    tokens.push(token);
  }
  const inspector = await ethers.deployContract("PoolsInspector");
  return { registry, pools, tokens, inspector, signers };
}

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  Operations
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

type Amount = bigint | { units: number };
type Op =
  | { kind: "createPool"; token: number }
  | { kind: "admit"; pool: number; artifact: number; weight: bigint }
  | { kind: "setWeight"; pool: number; artifact: number; weight: bigint }
  | { kind: "remove"; pool: number; artifact: number }
  | { kind: "fund"; pool: number; amount: Amount }
  | { kind: "fundStream"; pool: number; amount: Amount; duration: number }
  | { kind: "advance"; seconds: number }
  | { kind: "claim"; pool: number; claimant: number; picks: number[]; recipient: number; foreign: boolean }
  | { kind: "moveSlot"; artifact: number; slot: number; to: number }
  | { kind: "settle"; pool: number; artifacts: number[] };

function amountText(a: Amount): string {
  return typeof a === "bigint" ? `${a}n` : `${a.units} units`;
}

function opText(op: Op): string {
  const art = (i: number) => LINEAGE[i].name;
  switch (op.kind) {
    case "createPool":
      return `createPool(${DECIMALS[op.token]} decimals)`;
    case "admit":
      return `admit(p${op.pool}, ${art(op.artifact)}, w=${op.weight})`;
    case "setWeight":
      return `setWeight(p${op.pool}, ${art(op.artifact)}, w=${op.weight})`;
    case "remove":
      return `remove(p${op.pool}, ${art(op.artifact)})`;
    case "fund":
      return `fund(p${op.pool}, ${amountText(op.amount)})`;
    case "fundStream":
      return `fundStream(p${op.pool}, ${amountText(op.amount)}, ${op.duration}s)`;
    case "advance":
      return `advance(${op.seconds}s)`;
    case "claim":
      return `claim(p${op.pool}, by signer ${op.claimant}, picks [${op.picks}], to signer ${op.recipient}${op.foreign ? ", + a foreign slot" : ""})`;
    case "moveSlot":
      return `moveSlot(${art(op.artifact)}#${op.slot} -> signer ${op.to})`;
    case "settle":
      return `settle(p${op.pool}, [${op.artifacts.map(art)}])`;
  }
}

/** Attaches a one-line description so fast-check prints shrunk counterexamples readably. */
function readable(op: Op): Op {
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
  { weight: 2, arbitrary: fc.bigInt((1n << 100n) - (1n << 64n), 1n << 100n) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 1_000_000 }).map((units) => ({ units })) },
);
const secondsArb = (max: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 60 }) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 100_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max }) },
  );

const createPoolArb = fc.record({ kind: fc.constant("createPool" as const), token: fc.nat({ max: 2 }) });
const opArb: fc.Arbitrary<Op> = fc
  .oneof(
    { weight: 1, arbitrary: createPoolArb },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("admit" as const),
        pool: poolIx,
        artifact: artifactIx,
        weight: weightArb,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("setWeight" as const),
        pool: poolIx,
        artifact: artifactIx,
        weight: weightArb,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("remove" as const), pool: poolIx, artifact: artifactIx }),
    },
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant("fund" as const), pool: poolIx, amount: amountArb }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("fundStream" as const),
        pool: poolIx,
        amount: amountArb,
        duration: secondsArb(10_000_000),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant("advance" as const), seconds: secondsArb(20_000_000) }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("claim" as const),
        pool: poolIx,
        claimant: fc.integer({ min: 1, max: 9 }),
        picks: fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6]),
        recipient: fc.nat({ max: ACCOUNTS - 1 }),
        foreign: fc.nat({ max: 9 }).map((x) => x === 0),
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
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("settle" as const),
        pool: poolIx,
        artifacts: fc.shuffledSubarray([...LINEAGE.keys()]),
      }),
    },
  )
  .map(readable);

/** Every sequence starts by creating a pool. */
const sequenceArb = fc
  .tuple(createPoolArb.map(readable), fc.array(opArb, { minLength: 4, maxLength: MAX_OPS, size: "max" }))
  .map(([first, rest]) => [first, ...rest]);

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  The harness
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

type Env = Awaited<ReturnType<typeof poolsFixture>>;

interface PoolState {
  id: bigint;
  token: MockERC20;
  tokenIx: number;
  model: PoolModel;
  /** Pool transactions so far: the lower tolerance in wei. */
  txs: bigint;
  /** Stored distributions (admit, setWeight, remove, fund, fundStream, settle). */
  distributions: bigint;
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
  ambiguous: 0,
  maxLag: 0n,
  maxAbove: 0n,
  maxDelta: 0n,
  maxShare: 0,
  revertNames: new Map<string, number>(),
};

function errorName(e: unknown, ifaces: Interface[]): string {
  const err = e as { data?: string; error?: { data?: string }; revert?: { name?: string }; message?: string };
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

class Harness {
  readonly model: CommonsModel;
  readonly pools: PoolState[] = [];
  clock: bigint;
  private readonly ifaces: Interface[];
  private poolsAddress = "";

  constructor(
    readonly env: Env,
    start: bigint,
  ) {
    this.clock = start;
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
    this.poolsAddress = await this.env.pools.getAddress();
  }

  private signer(i: number): Signer {
    return this.env.signers[i];
  }

  /** Sends one transaction in the next second of the model clock. */
  private async send(tx: () => Promise<ContractTransactionResponse>): Promise<Outcome> {
    this.clock += 1n;
    await network.provider.send("evm_setNextBlockTimestamp", [Number(this.clock)]);
    try {
      const response = await tx();
      const receipt = (await response.wait())!;
      return { receipt };
    } catch (e) {
      stats.reverts++;
      const error = errorName(e, this.ifaces);
      stats.revertNames.set(error, (stats.revertNames.get(error) ?? 0) + 1);
      return { error };
    }
  }

  private expectOutcome(outcome: Outcome, expected: string | undefined, what: string) {
    if (expected === undefined) {
      expect(outcome.error, `${what} reverted on chain`).to.equal(undefined);
    } else {
      expect(outcome.error, `${what}: expected revert ${expected}`).to.equal(expected);
    }
  }

  /** Runs `change` on a copy of the pool's model: the error it throws, or the copy to commit. */
  private predict(
    state: PoolState,
    change: (m: PoolModel) => void,
  ): { next?: PoolModel; error?: string; maybe?: string } {
    const next = state.model.clone();
    try {
      change(next);
      return { next };
    } catch (e) {
      if (e instanceof ModelRevert) return { error: e.errorName };
      if (e instanceof ModelAmbiguous) return { maybe: e.errorName };
      throw e;
    }
  }

  private async curated(
    state: PoolState,
    what: string,
    change: (m: PoolModel, now: bigint, strict?: boolean) => void,
    tx: () => Promise<ContractTransactionResponse>,
  ): Promise<Outcome> {
    const now = this.clock + 1n;
    const prediction = this.predict(state, (m) => change(m, now));
    let { next } = prediction;
    const outcome = await this.send(tx);
    if (prediction.maybe !== undefined) {
      // At a rounding boundary: either outcome is right; apply the change only if the chain accepted it.
      stats.ambiguous++;
      if (outcome.error !== undefined) this.expectOutcome(outcome, prediction.maybe, what);
      else next = this.predict(state, (m) => change(m, now, false)).next;
    } else {
      this.expectOutcome(outcome, prediction.error, what);
    }
    if (next && !outcome.error) {
      state.model = next;
      state.txs++;
      state.distributions++;
    }
    return outcome;
  }

  /** The `received` argument of the funding event in `outcome`: a standard token delivers the whole amount. */
  private expectReceived(outcome: Outcome, event: "PoolFunded" | "StreamFunded", amount: bigint) {
    if (outcome.error !== undefined) return; // a predicted revert: nothing was received
    const log = outcome.receipt!.logs.find((l) => l.address === this.poolsAddress);
    const parsed = this.env.pools.interface.parseLog(log!)!;
    expect(parsed.name).to.equal(event);
    expect(parsed.args.amount).to.equal(amount);
    expect(parsed.args.received).to.equal(amount);
  }

  private amountOf(state: PoolState, amount: Amount): bigint {
    return typeof amount === "bigint"
      ? amount
      : BigInt(amount.units) * 10n ** BigInt(DECIMALS[state.tokenIx]);
  }

  async step(op: Op) {
    const { pools, registry, tokens } = this.env;
    const curator = pools.connect(this.signer(CURATOR));
    const funder = pools.connect(this.signer(FUNDER));
    const state =
      op.kind === "createPool" || op.kind === "advance" || op.kind === "moveSlot"
        ? undefined
        : this.pool(op.pool);
    switch (op.kind) {
      case "createPool": {
        const token = tokens[op.token];
        const outcome = await this.send(() => pools.createPool(token, this.signer(CURATOR)));
        this.expectOutcome(outcome, undefined, "createPool");
        const id = BigInt(this.pools.length + 1);
        expect(await pools.poolCount()).to.equal(id);
        this.pools.push({
          id,
          token,
          tokenIx: op.token,
          model: this.model.createPool(this.clock),
          txs: 1n,
          distributions: 0n,
        });
        break;
      }
      case "admit": {
        const digest = DIGEST.get(LINEAGE[op.artifact].name)!;
        await this.curated(
          state!,
          opText(op),
          (m, now) => m.admit(digest, op.weight, now),
          () => curator.admit(state!.id, digest, op.weight),
        );
        break;
      }
      case "setWeight": {
        const digest = DIGEST.get(LINEAGE[op.artifact].name)!;
        await this.curated(
          state!,
          opText(op),
          (m, now) => m.setWeight(digest, op.weight, now),
          () => curator.setWeight(state!.id, digest, op.weight),
        );
        break;
      }
      case "remove": {
        const digest = DIGEST.get(LINEAGE[op.artifact].name)!;
        await this.curated(
          state!,
          opText(op),
          (m, now) => m.remove(digest, now),
          () => curator.remove(state!.id, digest),
        );
        break;
      }
      case "fund": {
        const amount = this.amountOf(state!, op.amount);
        const outcome = await this.curated(
          state!,
          opText(op),
          (m, now) => m.fund(amount, now),
          () => funder.fund(state!.id, amount),
        );
        this.expectReceived(outcome, "PoolFunded", amount);
        break;
      }
      case "fundStream": {
        const amount = this.amountOf(state!, op.amount);
        const outcome = await this.curated(
          state!,
          opText(op),
          (m, now, strict = true) =>
            m.fundStream(amount, BigInt(op.duration), now, BigInt(state!.txs) + 2n, strict),
          () => funder.fundStream(state!.id, amount, op.duration),
        );
        this.expectReceived(outcome, "StreamFunded", amount);
        break;
      }
      case "settle": {
        const digests = op.artifacts.map((i) => DIGEST.get(LINEAGE[i].name)!);
        await this.curated(
          state!,
          opText(op),
          (m, now) => m.settle(digests, now),
          () => pools.connect(this.signer(1 + (op.pool % 6))).settle(state!.id, digests),
        );
        break;
      }
      case "advance": {
        this.clock += BigInt(op.seconds);
        await network.provider.send("evm_setNextBlockTimestamp", [Number(this.clock)]);
        await network.provider.send("evm_mine", []);
        break;
      }
      case "moveSlot": {
        const artifact = this.model.artifacts.get(DIGEST.get(LINEAGE[op.artifact].name)!)!;
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
        if (!outcome.error) {
          expect(await registry.slotHolder(artifact.id, slot)).to.deep.equal([to, artifact.shares[slot]]);
        }
        break;
      }
      case "claim":
        await this.claim(state!, op);
        break;
    }
  }

  private pool(i: number): PoolState {
    return this.pools[i % this.pools.length];
  }

  private async claim(state: PoolState, op: Extract<Op, { kind: "claim" }>) {
    const claimant = this.env.signers[op.claimant];
    const recipient = this.env.signers[op.recipient].address;
    const held = this.model.slotsOf(claimant.address);
    let targets = op.picks.filter((p) => p < held.length).map((p) => held[p]);
    if (targets.length === 0) targets = held;
    if (op.foreign) {
      const other = ALL_SLOTS.find((t) => !held.some((h) => h.artifact === t.artifact && h.slot === t.slot))!;
      targets = [...targets, other];
    }
    await this.claimTargets(state, claimant, targets, recipient, opText(op));
  }

  /** Claims on chain, then replays the claim on the model with the amounts the chain paid and compares. */
  async claimTargets(
    state: PoolState,
    claimant: Signer,
    targets: ClaimTarget[],
    recipient: string,
    what: string,
  ) {
    const account = await claimant.getAddress();
    const now = this.clock + 1n;
    const dry = this.predict(state, (m) => m.claim(account, targets, now));
    const tol = state.txs + 1n;
    const outcome = await this.send(() =>
      this.env.pools.connect(claimant).claim(state.id, targets, recipient),
    );
    if (dry.error) {
      this.expectOutcome(outcome, dry.error, what);
      return;
    }
    if (outcome.error) {
      expect(outcome.error, `${what} reverted`).to.equal("NothingToClaim");
      // The chain owes nothing: the model may owe at most the tolerance to each target.
      const owed = state.model.clone().claim(account, targets, now);
      for (const o of owed)
        expect(o.cmp(tol) <= 0, `${what}: chain pays 0 but model owes ${o}`).to.equal(true);
      return;
    }
    stats.claims++;
    const receipt = outcome.receipt!;
    const paid = targets.map(() => 0n);
    let total = 0n;
    let transfers = 0;
    for (const log of receipt.logs) {
      if (log.address === this.poolsAddress) {
        const parsed = this.env.pools.interface.parseLog(log);
        if (parsed?.name !== "RewardsClaimed") continue;
        const [poolId, artifact, claimantArg, slot, to, amount] = parsed.args as unknown as [
          bigint,
          string,
          string,
          bigint,
          string,
          bigint,
        ];
        expect(poolId).to.equal(state.id);
        expect(claimantArg).to.equal(account);
        expect(to).to.equal(recipient);
        const i = targets.findIndex((t) => t.artifact === artifact && BigInt(t.slot) === slot);
        expect(i, "RewardsClaimed for a slot not claimed").to.be.greaterThanOrEqual(0);
        paid[i] += amount;
        total += amount;
      } else if (log.address === (await state.token.getAddress())) {
        const parsed = state.token.interface.parseLog(log)!;
        expect(parsed.name).to.equal("Transfer");
        expect(parsed.args[0]).to.equal(this.poolsAddress);
        expect(parsed.args[1]).to.equal(recipient);
        transfers++;
      }
    }
    expect(transfers, "one token transfer per claim").to.equal(1);
    const next = state.model.clone();
    const owed = next.claim(account, targets, now, paid);
    owed.forEach((o, i) =>
      this.within(paid[i], o, tol, `${what}: paid to ${NAME.get(targets[i].artifact)}#${targets[i].slot}`),
    );
    expect(total).to.be.greaterThan(0n);
    state.model = next;
    state.txs++;
  }

  /** `chain` is within `tol` wei of the exact `model`, either way. */
  private within(chain: bigint, model: Q, tol: bigint, what: string) {
    const lag = model.sub(chain);
    if (lag.cmp(tol) > 0 || lag.cmp(-tol) < 0) {
      expect.fail(`${what}: chain ${chain}, model ${model} (tolerance ${tol} wei)`);
    }
    const below = lag.floor();
    const above = lag.mul(-1n).floor();
    if (below > stats.maxLag) stats.maxLag = below;
    if (above > stats.maxAbove) stats.maxAbove = above;
    const share = Math.abs(Number(lag.n) / Number(lag.d)) / Number(tol);
    if (share > stats.maxShare) stats.maxShare = share;
  }

  /** Invariants 1-2 and the model comparison, for every pool, at the latest block. */
  async check(where: string) {
    stats.checks++;
    const { pools, inspector } = this.env;
    const owedByToken = new Map<number, Q>();
    const balanceByToken = new Map<number, bigint>();
    for (const state of this.pools) {
      const [view, balance, claimables, timestamp] = await inspector.inspect(pools, state.id, ALL_SLOTS);
      const m = state.model;
      m.advanceTime(timestamp);
      const tol = state.txs;
      const w = `${where}, pool ${state.id}`;
      expect(view.totalWeight, `${w}: total weight`).to.equal(m.totalWeight);
      this.within(view.carried, m.carried, tol, `${w}: carried`);
      this.within(view.streamRemaining, m.streamRemaining, tol, `${w}: unreleased`);
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
      // (b) Σ paid ≤ Σ funded; the model's own books balance exactly.
      expect(m.paid <= m.funded, `${w}: paid ${m.paid} > funded ${m.funded}`).to.equal(true);
      m.checkConservation();
      // (a) solvency, per token (pools may share one): held ≥ Σ claimable + carried + unreleased.
      const owed = sum + view.carried + view.streamRemaining;
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
    const { pools, registry, inspector, signers } = this.env;
    const end = this.pools.reduce((e, p) => (p.model.streamEnd > e ? p.model.streamEnd : e), this.clock);
    await this.step(readable({ kind: "advance", seconds: Number(end - this.clock) + 1 }));
    const settleAll = SETTLE_ALL.map((n) => DIGEST.get(n)!);
    for (const state of this.pools) {
      await this.curated(
        state,
        "final settle",
        (m, now) => m.settle(settleAll, now),
        () => pools.settle(state.id, settleAll),
      );
      for (const d of settleAll.slice(0, 4)) {
        expect((await pools.member(state.id, d)).pendingUpstreamScaled, `pending of ${NAME.get(d)}`).to.equal(
          0n,
        );
      }
      for (let s = 1; s <= 9; s++) {
        const [, , claimables] = await inspector.inspect(
          pools,
          state.id,
          this.model.slotsOf(signers[s].address),
        );
        const targets = this.model.slotsOf(signers[s].address).filter((_, i) => claimables[i] > 0n);
        if (targets.length > 0)
          await this.claimTargets(state, signers[s], targets, signers[s].address, `final claim by ${s}`);
      }
      await this.check("after claiming everything");
      const [view, , claimables] = await inspector.inspect(pools, state.id, ALL_SLOTS);
      const m = state.model;
      const unclaimed = claimables.reduce((a, b) => a + b, 0n);
      expect(unclaimed, "everything was claimed").to.equal(0n);
      expect(view.streamRemaining).to.equal(0n);
      // Σ paid + Σ claimable + carried + unreleased = Σ funded - δ, 0 ≤ δ < D + S.
      const delta = m.funded - (m.paid + unclaimed + view.carried + view.streamRemaining);
      const bound = state.distributions + BigInt(ALL_SLOTS.length);
      expect(delta >= 0n && delta < bound, `pool ${state.id}: δ = ${delta}, bound ${bound}`).to.equal(true);
      if (delta > stats.maxDelta) stats.maxDelta = delta;
      // The model agrees: everything it still owes is within tolerance of zero.
      for (const t of ALL_SLOTS)
        this.within(
          0n,
          m.claimable(t.artifact, t.slot),
          state.txs,
          `final ${NAME.get(t.artifact)}#${t.slot}`,
        );
      // Invariant 4: shares sum to the recorded total, pools cache that total, holders follow the slot moves.
      for (const [digest, a] of this.model.artifacts) {
        const list = await registry.contributors(digest);
        const total = list.reduce((sum, c) => sum + c.share, 0n);
        expect(total).to.equal(await registry.totalShares(digest));
        expect(total).to.equal(a.totalShares);
        expect(list.map((c) => c.account)).to.deep.equal(a.holders);
        const cached = (await pools.member(state.id, digest)).totalShares;
        expect(cached === 0n || cached === total, `cached total shares of ${NAME.get(digest)}`).to.equal(
          true,
        );
      }
    }
  }
}

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  The property
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

describe("RewardPools", function () {
  describe("invariants under random sequences", function () {
    after(function () {
      console.log(
        `      property: ${stats.sequences} sequences, ${stats.steps} steps (${stats.claims} paying claims, ` +
          `${stats.reverts} expected reverts, ${stats.ambiguous} at a top-up boundary), ${stats.checks} full checks; max chain lag below the model ` +
          `${stats.maxLag} wei, above it ${stats.maxAbove} wei; max final dust δ ${stats.maxDelta} wei; ` +
          `largest deviation / tolerance ${stats.maxShare.toFixed(3)}; reverts ${JSON.stringify([...stats.revertNames])}`,
      );
    });

    it(
      "keeps every pool solvent, Σ paid ≤ Σ funded, every claimable within 1 wei per pool transaction of the " +
        "exact model, and closes the books (Σ paid + Σ claimable + carried = Σ funded - δ, 0 ≤ δ < distributions + slots)",
      async function () {
        this.timeout(900_000);
        await fc.assert(
          fc.asyncProperty(sequenceArb, async (ops) => {
            const env = await loadFixture(poolsFixture);
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
          }),
          { numRuns: NUM_RUNS, seed: SEED, endOnFailure: false },
        );
      },
    );
  });
});
