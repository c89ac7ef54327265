/**
 * Gas benchmark: this project's contracts side by side with EAS, OpenZeppelin PaymentSplitter and Uniswap's
 * MerkleDistributor, on the in-process Hardhat network. Every figure is a whole-transaction receipt gasUsed.
 *
 *   npm run bench                      # writes bench/results/gas.json and gas.md, prints the table
 *   UPDATE_SNAPSHOT=1 npm run bench    # also rewrites the committed bench/gas-snapshot.json
 *
 * Runs with hardhat.bench.config.ts, which compiles the peers from their npm packages into bench/artifacts.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { ethers, network } from "hardhat";
import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { HardhatNetworkConfig } from "hardhat/types";
import type { BaseContract, ContractTransactionResponse, InterfaceAbi } from "ethers";

import { REGISTER_TYPES, registryDomain, type Registration } from "../src/typedData";
import type { CommunityToken, KnowledgeRegistry, RewardPools } from "../typechain-types";
import {
  BENCH_DIR,
  RESULTS_JSON,
  RESULTS_MD,
  SNAPSHOT_JSON,
  type GasResults,
  evaluateBudgets,
  fmt,
  markdownTable,
  readBudgets,
} from "./lib";

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  Constants
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** A real CIDv1 (raw, sha2-256, base32): "ipfs://" + 59 characters = 66. */
const URI_66 = "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const TOKEN = 10n ** 18n;
const SUPPLY = 10n ** 12n * TOKEN;
const HOUR = 3600;
const DAY = 24 * HOUR;
const STREAM = 30 * DAY;
const DEADLINE = 2n ** 40n;
/** The funder's allowance to the pools: finite, so every transferFrom writes it (as for most wallets). */
const ALLOWANCE = 10n ** 11n * TOKEN;
/** Registrations per multicall while growing the scale pool (well under the 2^24 per-transaction gas cap). */
const REGISTER_BATCH = 50;
const KIND_MODEL = 1;

const FQN = {
  registry: "contracts/KnowledgeRegistry.sol:KnowledgeRegistry",
  pools: "contracts/RewardPools.sol:RewardPools",
  token: "contracts/CommunityToken.sol:CommunityToken",
  schemaRegistry: "@ethereum-attestation-service/eas-contracts/contracts/SchemaRegistry.sol:SchemaRegistry",
  eas: "@ethereum-attestation-service/eas-contracts/contracts/EAS.sol:EAS",
  splitter: "oz-contracts-4.9/finance/PaymentSplitter.sol:PaymentSplitter",
};

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  Helpers
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

type Signer = HardhatEthersSigner;

const results: GasResults = {};
let grief: GriefReport | undefined;

function digestOf(name: string): string {
  return ethers.sha256(ethers.toUtf8Bytes(name));
}

function registration(
  name: string,
  contributors: Registration["contributors"],
  more: Partial<Registration> = {},
): Registration {
  return {
    digest: digestOf(name),
    kind: KIND_MODEL,
    scheme: 0,
    uri: URI_66,
    contributors,
    parents: [],
    upstreamBps: 0,
    minUpstreamBps: 0,
    secret: ethers.ZeroHash,
    ...more,
  };
}

/** An address with no history, derived from `label` (every byte random-looking, like a real address). */
function addressOf(label: string): string {
  return ethers.getAddress(ethers.dataSlice(ethers.id(`bench:${label}`), 12));
}

/** A funded, impersonated account with no history and no tokens. */
async function freshSigner(label: string): Promise<Signer> {
  const address = addressOf(label);
  await setBalance(address, 10n ** 20n);
  return ethers.getImpersonatedSigner(address);
}

async function freshSigners(label: string, count: number): Promise<Signer[]> {
  const signers: Signer[] = [];
  for (let i = 0; i < count; i++) signers.push(await freshSigner(`${label}:${i}`));
  return signers;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("transaction failed");
  return Number(receipt.gasUsed);
}

async function deployGas(contract: BaseContract): Promise<number> {
  const receipt = await contract.deploymentTransaction()!.wait();
  return Number(receipt!.gasUsed);
}

async function measure(operation: string, tx: Promise<ContractTransactionResponse>): Promise<number> {
  const gas = await gasOf(tx);
  results[operation] = gas;
  return gas;
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(`bench precondition failed: ${what}`);
}

/**
 * Sends transactions one after the other without waiting for each receipt, then checks them all. Automine
 * stays on: the in-process network mines each at once, which is faster than holding 1,000 of them in its
 * mempool with automine off.
 */
async function sendAll(sends: (() => Promise<ContractTransactionResponse>)[]): Promise<void> {
  const txs: ContractTransactionResponse[] = [];
  for (const send of sends) txs.push(await send());
  for (const tx of txs) await gasOf(Promise.resolve(tx));
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  Merkle tree (Uniswap MerkleDistributor: leaf = keccak256(abi.encodePacked(index, account, amount)),
//  pairs hashed in sorted order, an odd node moves up unchanged)
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

interface Allocation {
  account: string;
  amount: bigint;
}

function hashPair(a: string, b: string): string {
  return BigInt(a) <= BigInt(b)
    ? ethers.keccak256(ethers.concat([a, b]))
    : ethers.keccak256(ethers.concat([b, a]));
}

class MerkleTree {
  private readonly layers: string[][];

  constructor(readonly allocations: Allocation[]) {
    let layer = allocations.map((a, index) =>
      ethers.solidityPackedKeccak256(["uint256", "address", "uint256"], [index, a.account, a.amount]),
    );
    this.layers = [layer];
    while (layer.length > 1) {
      const next: string[] = [];
      for (let i = 0; i < layer.length; i += 2)
        next.push(i + 1 < layer.length ? hashPair(layer[i], layer[i + 1]) : layer[i]);
      this.layers.push(next);
      layer = next;
    }
  }

  get root(): string {
    return this.layers[this.layers.length - 1][0];
  }

  proof(index: number): string[] {
    const proof: string[] = [];
    for (const layer of this.layers.slice(0, -1)) {
      const sibling = index ^ 1;
      if (sibling < layer.length) proof.push(layer[sibling]);
      index >>= 1;
    }
    return proof;
  }
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  RewardPools (exported: test/RewardPools.gas.test.ts runs the same measurements against bench/budgets.json)
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

export interface PoolsBench {
  deployer: Signer;
  curator: Signer;
  alice: Signer;
  bob: Signer;
  token: CommunityToken;
  registry: KnowledgeRegistry;
  pools: RewardPools;
}

export interface PoolsBenchOptions {
  /** Grow a pool to 100 and 1,000 artifacts (slow: ~1,000 registrations and admissions). Default true. */
  scale?: boolean;
}

/** What the griefing measurement found, for the report. */
export interface GriefReport {
  /** Dust streams the griefer created, each ending at its own second. */
  streams: number;
  /** Gas the griefer paid for them in total. */
  griefTotal: number;
  /** Whether a new stream reverted `AccrualBehind` while more ends were due than one call processes. */
  fundStreamBlocked: boolean;
  /** Whether, once that claim processed 32 of them, a new stream went through (processing the 33rd). */
  unblockedByClaim: boolean;
}

/**
 * Measures every RewardPools operation of `OPERATIONS` (`pool.*`, `streams.*`, `ends.*`, `scale.*`) into
 * `out`, on fresh pools of `env.pools`. `env.token` must be approved to the pools by `env.deployer`, the funder.
 */
export async function benchPools(
  out: GasResults,
  env: PoolsBench,
  options: PoolsBenchOptions = {},
): Promise<GriefReport> {
  const { deployer, curator, alice, bob, token, registry, pools } = env;
  const tokenAddress = await token.getAddress();
  const record = async (operation: string, tx: Promise<ContractTransactionResponse>) => {
    const gas = await gasOf(tx);
    out[operation] = gas;
    return gas;
  };
  const slotOf = async (digest: string, account: string): Promise<bigint> => {
    const [found, slot] = await registry.slotOf(digest, account);
    expect(found, `${account} holds a slot of ${digest}`);
    return slot;
  };
  const claim = (signer: Signer, poolId: bigint, targets: [string, bigint][], recipient: string) =>
    pools.connect(signer).claim(
      poolId,
      targets.map(([artifact, slot]) => ({ artifact, slot })),
      recipient,
    );
  const createPool = async (delay = 0): Promise<bigint> => {
    const poolId = await pools.connect(curator).createPool.staticCall(tokenAddress, curator.address, delay);
    await gasOf(pools.connect(curator).createPool(tokenAddress, curator.address, delay));
    return poolId;
  };
  const streaming = async (poolId: bigint): Promise<boolean> =>
    (await pools.pool(poolId)).nextStreamEnd > BigInt(await time.latest());
  /** Pins the next block 1 s after the last; returns the end a stream of `duration` sent in it gets. */
  const nextEnd = async (duration: number): Promise<bigint> => {
    const next = (await time.latest()) + 1;
    await time.setNextBlockTimestamp(next);
    return BigInt(next + duration);
  };
  const register = async (reg: Registration) => gasOf(registry.connect(alice).register(reg));
  const solo1 = (name: string, account: string) => registration(name, [{ account, share: 10_000 }]);

  // ── One pool (delay 0), its everyday operations ─────────────────────────────────────────────────────────────
  {
    const fresh = await freshSigner("first claimant");
    const solo = Array.from({ length: 10 }, (_, i) =>
      registration(`solo ${i}`, [
        { account: alice.address, share: 6000 },
        { account: i === 0 ? fresh.address : bob.address, share: 4000 },
      ]),
    );
    for (const name of ["parent A", "parent B"]) {
      if (!(await registry.exists(digestOf(name)))) await register(solo1(name, bob.address));
    }
    const parentDigests = [digestOf("parent A"), digestOf("parent B")];
    const lineage = { upstreamBps: 2000 };
    const twoShares = [
      { account: alice.address, share: 6000 },
      { account: bob.address, share: 4000 },
    ];
    const child2 = registration("child of 2", twoShares, { ...lineage, parents: parentDigests });
    const child1 = registration("child of 1", twoShares, { ...lineage, parents: parentDigests.slice(0, 1) });
    for (const reg of [...solo, child2, child1]) await register(reg);

    const poolId = await createPool();
    await record("pool.create", pools.connect(curator).createPool(tokenAddress, curator.address, 0));
    for (const reg of [...solo.slice(0, 9), child2, child1]) {
      await gasOf(pools.connect(curator).admit(poolId, reg.digest, 1));
    }
    await gasOf(pools.connect(deployer).fund(poolId, 1_000n * TOKEN));
    const firstEnd = await nextEnd(STREAM);
    await record(
      "pool.fundStream.first",
      pools.connect(deployer).fundStream(poolId, 100_000n * TOKEN, STREAM, false, 0),
    );
    await time.increase(DAY);

    expect(await streaming(poolId), "pool.admit: mid-stream");
    await record("pool.admit", pools.connect(curator).admit(poolId, solo[9].digest, 1));
    await record("pool.fund", pools.connect(deployer).fund(poolId, 1_000n * TOKEN));
    // Appended after the last end (O(1)), then inserted between two ends with the earlier one as hint.
    await record(
      "pool.fundStream.append",
      pools.connect(deployer).fundStream(poolId, 10_000n * TOKEN, 2 * STREAM, false, 0),
    );
    const cancelEnd = await nextEnd(3 * STREAM);
    const cancelStart = cancelEnd - BigInt(3 * STREAM);
    await record(
      "pool.fundStream.append.cancelable",
      pools.connect(deployer).fundStream(poolId, 10_000n * TOKEN, 3 * STREAM, true, 0),
    );
    expect((await pools.pool(poolId)).nextStreamEnd === firstEnd, "the 30-day stream ends first");
    const insertEnd = await nextEnd(STREAM + DAY);
    await record(
      "pool.fundStream.insert",
      pools.connect(deployer).fundStream(poolId, 10_000n * TOKEN, STREAM + DAY, false, firstEnd),
    );
    expect(
      (await pools.streamEnd(poolId, firstEnd)).next === insertEnd,
      "pool.fundStream.insert: in the middle",
    );
    const insertCancelableEnd = await nextEnd(STREAM + 2 * DAY);
    await record(
      "pool.fundStream.insert.cancelable",
      pools.connect(deployer).fundStream(poolId, 10_000n * TOKEN, STREAM + 2 * DAY, true, insertEnd),
    );
    expect(
      (await pools.streamEnd(poolId, insertEnd)).next === insertCancelableEnd,
      "pool.fundStream.insert.cancelable: in the middle",
    );
    await time.increase(DAY);
    await record("pool.cancelStream", pools.connect(deployer).cancelStream(poolId, cancelStart, cancelEnd));

    // Alice claims from every artifact once, so the claims below are repeats to an account holding the token.
    const aliceSlot = async (reg: Registration): Promise<[string, bigint]> => [
      reg.digest,
      await slotOf(reg.digest, alice.address),
    ];
    const allTargets = await Promise.all([...solo, child2, child1].map(aliceSlot));
    await gasOf(claim(alice, poolId, allTargets, alice.address));
    await time.increase(HOUR);

    expect(await streaming(poolId), "claims: mid-stream");
    expect(
      (await token.balanceOf(alice.address)) > 0n,
      "pool.claim.repeat.holder: the recipient holds the token",
    );
    await record("pool.claim.repeat.holder", claim(alice, poolId, [await aliceSlot(solo[0])], alice.address));
    expect((await token.balanceOf(fresh.address)) === 0n, "pool.claim.first.fresh: the recipient holds none");
    const freshTarget: [string, bigint] = [solo[0].digest, await slotOf(solo[0].digest, fresh.address)];
    await record("pool.claim.first.fresh", claim(fresh, poolId, [freshTarget], fresh.address));
    await time.increase(HOUR);
    await record(
      "pool.claim.10artifacts",
      claim(alice, poolId, await Promise.all(solo.map(aliceSlot)), alice.address),
    );
    await record("pool.claim.withParents2", claim(alice, poolId, [await aliceSlot(child2)], alice.address));
    await record("pool.claim.withParents1", claim(alice, poolId, [await aliceSlot(child1)], alice.address));
  }

  // ── Curation with a delay: the same admission announced, then executed by anyone ──────────────────────────────
  {
    const members = Array.from({ length: 3 }, (_, i) => solo1(`delayed ${i}`, alice.address));
    const newcomer = solo1("delayed newcomer", alice.address);
    for (const reg of [...members, newcomer]) await register(reg);
    const poolId = await createPool(DAY);
    await gasOf(
      pools.connect(curator).admitMany(
        poolId,
        members.map((m) => m.digest),
        members.map(() => 1),
      ),
    );
    await time.increase(DAY);
    await gasOf(pools.connect(bob).executeChange(poolId, 1));
    await gasOf(pools.connect(deployer).fund(poolId, 1_000n * TOKEN));
    await gasOf(pools.connect(deployer).fundStream(poolId, 100_000n * TOKEN, STREAM, false, 0));
    await time.increase(HOUR);
    await record("pool.curation.announce", pools.connect(curator).admit(poolId, newcomer.digest, 1));
    await time.increase(DAY);
    expect(await streaming(poolId), "pool.curation.execute: mid-stream");
    await record("pool.curation.execute", pools.connect(bob).executeChange(poolId, 2));
  }

  // ── Repeat claims with 1, 10 and 100 streams running ─────────────────────────────────────────────────────────
  {
    const reg = solo1("streams: X", alice.address);
    await register(reg);
    const poolId = await createPool();
    await gasOf(pools.connect(curator).admit(poolId, reg.digest, 1));
    const xTarget: [string, bigint] = [reg.digest, await slotOf(reg.digest, alice.address)];
    let count = 0;
    for (const target of [1, 10, 100]) {
      // Each stream ends one second after the one before: every new one is appended.
      await sendAll(
        Array.from(
          { length: target - count },
          (_, i) => () =>
            pools.connect(deployer).fundStream(poolId, 1_000n * TOKEN, STREAM + count + i, false, 0),
        ),
      );
      count = target;
      await time.increase(HOUR);
      if (target === 1) await gasOf(claim(alice, poolId, [xTarget], alice.address));
      await time.increase(HOUR);
      expect(await streaming(poolId), `streams.claim.streams${target}: mid-stream`);
      await record(`streams.claim.streams${target}`, claim(alice, poolId, [xTarget], alice.address));
    }
  }

  // ── Stream ends: a claim that processes none, 1 and 2, and the claim after ───────────────────────────────────
  {
    const reg = solo1("ends: X", alice.address);
    await register(reg);
    const poolId = await createPool();
    await gasOf(pools.connect(curator).admit(poolId, reg.digest, 1));
    const xTarget: [string, bigint] = [reg.digest, await slotOf(reg.digest, alice.address)];
    await gasOf(pools.connect(deployer).fundStream(poolId, 100_000n * TOKEN, STREAM, false, 0));
    const firstEnd = await nextEnd(DAY);
    await gasOf(pools.connect(deployer).fundStream(poolId, 1_000n * TOKEN, DAY, false, 0));
    const secondEnd = await nextEnd(2 * DAY);
    await gasOf(pools.connect(deployer).fundStream(poolId, 1_000n * TOKEN, 2 * DAY, false, 0));
    const thirdEnd = await nextEnd(2 * DAY);
    await gasOf(pools.connect(deployer).fundStream(poolId, 1_000n * TOKEN, 2 * DAY, false, 0));
    expect((await pools.streamEnd(poolId, secondEnd)).next === thirdEnd, "two ends a second apart");
    await time.increase(HOUR);
    await gasOf(claim(alice, poolId, [xTarget], alice.address));
    await time.increase(HOUR);
    await record("ends.claim.none", claim(alice, poolId, [xTarget], alice.address));
    await time.increaseTo(firstEnd + 10n);
    await record("ends.claim.1end", claim(alice, poolId, [xTarget], alice.address));
    expect((await pools.pool(poolId)).nextStreamEnd === secondEnd, "ends.claim.1end processed the end");
    await time.increase(HOUR);
    await record("ends.claim.after", claim(alice, poolId, [xTarget], alice.address));
    await time.increaseTo(thirdEnd + 10n);
    await record("ends.claim.2ends", claim(alice, poolId, [xTarget], alice.address));
    expect(await streaming(poolId), "ends.*: the 30-day stream still runs");
  }

  // ── Griefing: 33 dust streams whose ends all fall due before the next caller comes ───────────────────────────
  const grief: GriefReport = {
    streams: 33,
    griefTotal: 0,
    fundStreamBlocked: false,
    unblockedByClaim: false,
  };
  {
    const reg = solo1("grief: X", alice.address);
    await register(reg);
    const poolId = await createPool();
    await gasOf(pools.connect(curator).admit(poolId, reg.digest, 1));
    const xTarget: [string, bigint] = [reg.digest, await slotOf(reg.digest, alice.address)];
    await gasOf(pools.connect(deployer).fundStream(poolId, 100_000n * TOKEN, STREAM, false, 0));
    await time.increase(HOUR);
    await gasOf(claim(alice, poolId, [xTarget], alice.address));
    const griefer = await freshSigner("griefer");
    await gasOf(token.connect(deployer).transfer(griefer.address, 1_000n));
    await gasOf(token.connect(griefer).approve(await pools.getAddress(), ethers.MaxUint256));
    const griefEnds = new Set<bigint>();
    let hint = 0n;
    for (let i = 0; i < grief.streams; i++) {
      // 1 wei each, every one ending at its own second, after the one before (a new entry of the list each,
      // before the 30-day stream's end): the griefer passes its previous end as hint, its cheapest way.
      const end = await nextEnd(HOUR + 10 * i);
      griefEnds.add(end);
      grief.griefTotal += await gasOf(
        pools.connect(griefer).fundStream(poolId, 1n, HOUR + 10 * i, false, hint, { gasLimit: 500_000 }),
      );
      hint = end;
    }
    expect(griefEnds.size === grief.streams, "ends.claim.32ends: the dust streams end at distinct seconds");
    await time.increase(2 * HOUR);
    // The next funder: blocked while more ends are due than one call processes.
    const blocked = () =>
      pools
        .connect(deployer)
        .fundStream.staticCall(poolId, 1_000n * TOKEN, STREAM, false, 0)
        .then(
          () => false,
          () => true,
        );
    grief.fundStreamBlocked = await blocked();
    await time.increase(HOUR);
    await record("ends.claim.32ends", claim(alice, poolId, [xTarget], alice.address));
    grief.unblockedByClaim = !(await blocked());
    await record(
      "ends.fundStream.after32",
      pools.connect(deployer).fundStream(poolId, 1_000n * TOKEN, STREAM, false, 0),
    );
  }

  // ── The same fund and claim in pools of 1, 100 and 1,000 artifacts, and for 64 contributors ──────────────────
  {
    const x = solo1("scale: X", alice.address);
    const last = await freshSigner("slot 63");
    const wide = registration(
      "scale: 64 contributors",
      Array.from({ length: 64 }, (_, i) => ({
        account: i === 63 ? last.address : addressOf(`64c:${i}`),
        share: 100,
      })),
    );
    await register(x);
    await register(wide);

    // Two pools in the same state: one artifact each, funded, a stream running, each claimant claimed once.
    const scalePool = await createPool();
    const widePool = await createPool();
    for (const [poolId, reg, signer] of [
      [scalePool, x, alice],
      [widePool, wide, last],
    ] as const) {
      await gasOf(pools.connect(curator).admit(poolId, reg.digest, 1));
      await gasOf(pools.connect(deployer).fund(poolId, 1_000n * TOKEN));
      await gasOf(pools.connect(deployer).fundStream(poolId, 100_000n * TOKEN, STREAM, false, 0));
      await time.increase(HOUR);
      await gasOf(
        claim(signer, poolId, [[reg.digest, await slotOf(reg.digest, signer.address)]], signer.address),
      );
    }
    const xTarget: [string, bigint] = [x.digest, await slotOf(x.digest, alice.address)];
    const measureScale = async (size: number) => {
      await time.increase(HOUR);
      expect(await streaming(scalePool), `scale.*.pool${size}: mid-stream`);
      expect((await pools.pool(scalePool)).totalWeight === BigInt(size), `the pool has ${size} artifacts`);
      await record(`scale.fund.pool${size}`, pools.connect(deployer).fund(scalePool, 1_000n * TOKEN));
      await record(`scale.claim.pool${size}`, claim(alice, scalePool, [xTarget], alice.address));
    };
    await measureScale(1);
    await time.increase(HOUR);
    expect(await streaming(widePool), "scale.claim.contributors64: mid-stream");
    const lastSlot = await slotOf(wide.digest, last.address);
    expect(lastSlot === 63n, "scale.claim.contributors64: the claimant holds slot 63");
    await record(
      "scale.claim.contributors64",
      claim(last, widePool, [[wide.digest, lastSlot]], last.address),
    );

    let size = 1;
    for (const target of options.scale === false ? [] : [100, 1000]) {
      const regs = Array.from({ length: target - size }, (_, i) =>
        registration(`scale: filler ${size + i}`, [{ account: bob.address, share: 1 }]),
      );
      for (let i = 0; i < regs.length; i += REGISTER_BATCH) {
        const calls = regs
          .slice(i, i + REGISTER_BATCH)
          .map((reg) => registry.interface.encodeFunctionData("register", [reg]));
        await gasOf(registry.connect(bob).multicall(calls));
      }
      await sendAll(
        regs.map(
          (reg) => () => pools.connect(curator).admit(scalePool, reg.digest, 1, { gasLimit: 200_000 }),
        ),
      );
      size = target;
      await measureScale(size);
    }
  }
  return grief;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  The benchmark
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const started = Date.now();
  const [deployer, curator, alice, bob, relayer] = await ethers.getSigners();

  const token = (await ethers.deployContract(FQN.token, [
    "Community Token",
    "COMM",
    deployer.address,
    SUPPLY,
  ])) as unknown as CommunityToken;
  const registry = (await ethers.deployContract(FQN.registry, [0, 0, "kc:"])) as unknown as KnowledgeRegistry;
  const pools = (await ethers.deployContract(FQN.pools, [
    await registry.getAddress(),
  ])) as unknown as RewardPools;
  const poolsAddress = await pools.getAddress();
  await (await token.approve(poolsAddress, ALLOWANCE)).wait();

  const slotOf = async (digest: string, account: string): Promise<bigint> => {
    const [found, slot] = await registry.slotOf(digest, account);
    expect(found, `${account} holds a slot of ${digest}`);
    return slot;
  };
  const claim = (signer: Signer, poolId: bigint, targets: [string, bigint][], recipient: string) =>
    pools.connect(signer).claim(
      poolId,
      targets.map(([artifact, slot]) => ({ artifact, slot })),
      recipient,
    );

  // ── KnowledgeRegistry ────────────────────────────────────────────────────────────────────────────────────────
  {
    const one = (name: string, account: string) => registration(name, [{ account, share: 10_000 }]);
    await gasOf(registry.connect(alice).register(one("alice: first artifact", alice.address)));
    const signed = async (reg: Registration, nonce: bigint) => {
      const { chainId } = await ethers.provider.getNetwork();
      const domain = registryDomain(chainId, await registry.getAddress());
      const message = { ...reg, registrant: alice.address, nonce, deadline: DEADLINE };
      return alice.signTypedData(domain, REGISTER_TYPES, message);
    };
    const viaSig = async (reg: Registration) => {
      const nonce = await registry.nonces(alice.address);
      const signature = await signed(reg, nonce);
      return registry.connect(relayer).registerBySig(reg, alice.address, nonce, DEADLINE, signature);
    };
    await gasOf(viaSig(one("alice: first signed artifact", alice.address)));
    const parents = [digestOf("parent A"), digestOf("parent B")];
    await gasOf(registry.connect(bob).register(one("parent A", bob.address)));
    await gasOf(registry.connect(bob).register(one("parent B", bob.address)));

    expect((await registry.balanceOf(alice.address)) > 0n, "register.1c: the registrant owns an artifact");
    await measure("register.1c", registry.connect(alice).register(one("register.1c", alice.address)));
    const newcomer = await freshSigner("newcomer");
    await measure(
      "register.1c.newOwner",
      registry.connect(newcomer).register(one("register.1c.newOwner", newcomer.address)),
    );
    const eight = Array.from({ length: 8 }, (_, i) => ({ account: addressOf(`8c2p:${i}`), share: 1250 }));
    await measure(
      "register.8c2p",
      registry.connect(alice).register(registration("register.8c2p", eight, { parents, upstreamBps: 1000 })),
    );
    expect((await registry.nonces(alice.address)) > 0n, "registerBySig.1c: the signer used a nonce before");
    await measure("registerBySig.1c", viaSig(one("registerBySig.1c", alice.address)));

    // Commit-reveal deployment: alice has revealed once before, like register.1c's registrant.
    const guarded = (await ethers.deployContract(FQN.registry, [
      60,
      3600,
      "kc:",
    ])) as unknown as KnowledgeRegistry;
    const reveal = async (name: string, op?: string) => {
      const secret = ethers.id(`secret:${name}`);
      const reg = registration(name, [{ account: alice.address, share: 10_000 }], { secret });
      const commitment = await guarded.commitmentFor(reg.digest, alice.address, secret);
      const committed = guarded.connect(alice).commit(commitment);
      if (op) await measure("commit", committed);
      else await gasOf(committed);
      await time.increase(61);
      const revealed = guarded.connect(alice).register(reg);
      if (op) await measure(op, revealed);
      else await gasOf(revealed);
    };
    await reveal("guarded: first artifact");
    await reveal("register.1c.revealed", "register.1c.revealed");
  }

  grief = await benchPools(results, { deployer, curator, alice, bob, token, registry, pools });

  // ── Peers: EAS ───────────────────────────────────────────────────────────────────────────────────────────────
  {
    const schemaRegistry = await ethers.deployContract(FQN.schemaRegistry);
    const eas = await ethers.deployContract(FQN.eas, [await schemaRegistry.getAddress()]);
    const schema = "bytes32 contentHash,string uri";
    const registerSchema = schemaRegistry.getFunction("register");
    const uid: string = await registerSchema.staticCall(schema, ethers.ZeroAddress, true);
    await gasOf(registerSchema.send(schema, ethers.ZeroAddress, true));
    const attest = (name: string) =>
      eas.connect(alice).getFunction("attest")({
        schema: uid,
        data: {
          recipient: alice.address,
          expirationTime: 0,
          revocable: true,
          refUID: ethers.ZeroHash,
          data: ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "string"], [digestOf(name), URI_66]),
          value: 0,
        },
      }) as Promise<ContractTransactionResponse>;
    await gasOf(attest("eas: first attestation"));
    await measure("peer.eas.attest", attest("register.1c"));
  }

  // ── Peers: OpenZeppelin 4.9 PaymentSplitter, same contributors and shares as `solo 0` ────────────────────────
  const splitterFactory = await ethers.getContractFactory(FQN.splitter);
  const release = (splitter: BaseContract, payee: Signer) =>
    splitter.connect(payee).getFunction("release(address,address)")(
      token.getAddress(),
      payee.address,
    ) as Promise<ContractTransactionResponse>;
  {
    const fresh = await freshSigner("splitter payee");
    const splitter = await splitterFactory.deploy([alice.address, fresh.address], [6000, 4000]);
    await splitter.waitForDeployment();
    await gasOf(token.transfer(await splitter.getAddress(), 1_000n * TOKEN));
    await gasOf(release(splitter, alice));
    await gasOf(token.transfer(await splitter.getAddress(), 1_000n * TOKEN));
    expect(
      (await token.balanceOf(alice.address)) > 0n,
      "peer.paymentSplitter.release.repeat: the payee holds",
    );
    await measure("peer.paymentSplitter.release.repeat", release(splitter, alice));
    expect((await token.balanceOf(fresh.address)) === 0n, "peer.paymentSplitter.release.first: holds none");
    await measure("peer.paymentSplitter.release.first", release(splitter, fresh));
  }

  // ── Peers: Uniswap MerkleDistributor (bytecode as published in the npm package) ──────────────────────────────
  const distributorJson = JSON.parse(
    readFileSync(require.resolve("@uniswap/merkle-distributor/build/MerkleDistributor.json"), "utf8"),
  ) as { abi: InterfaceAbi; evm: { bytecode: { object: string } } };
  const distributorFactory = new ethers.ContractFactory(
    distributorJson.abi,
    distributorJson.evm.bytecode.object,
    deployer,
  );
  const PAYOUT = 10_000n * TOKEN;
  const deployDistributor = async (tree: MerkleTree) => {
    const distributor = await distributorFactory.deploy(await token.getAddress(), tree.root);
    const gas = await deployGas(distributor);
    const total = tree.allocations.reduce((sum, a) => sum + a.amount, 0n);
    return { distributor, gas: gas + (await gasOf(token.transfer(await distributor.getAddress(), total))) };
  };
  const merkleClaim = (distributor: BaseContract, tree: MerkleTree, index: number, sender: Signer) =>
    distributor.connect(sender).getFunction("claim")(
      index,
      tree.allocations[index].account,
      tree.allocations[index].amount,
      tree.proof(index),
    ) as Promise<ContractTransactionResponse>;
  {
    const fresh = await freshSigner("merkle claimant");
    const accounts = [
      ...Array.from({ length: 98 }, (_, i) => addressOf(`merkle:${i}`)),
      alice.address,
      fresh.address,
    ];
    const tree = new MerkleTree(accounts.map((account) => ({ account, amount: PAYOUT })));
    const { distributor } = await deployDistributor(tree);
    await gasOf(merkleClaim(distributor, tree, 0, deployer)); // the claimed-bitmap word is in use
    expect(
      (await token.balanceOf(alice.address)) > 0n,
      "peer.merkleDistributor.claim.holder: holds the token",
    );
    await measure("peer.merkleDistributor.claim.holder", merkleClaim(distributor, tree, 98, alice));
    expect((await token.balanceOf(fresh.address)) === 0n, "peer.merkleDistributor.claim.fresh: holds none");
    await measure("peer.merkleDistributor.claim.fresh", merkleClaim(distributor, tree, 99, fresh));
  }

  // ── Paying 100 contributors: this project against the two peers ─────────────────────────────────────────────
  {
    const contributors = await freshSigners("payout", 100);
    const halves = [contributors.slice(0, 50), contributors.slice(50)];
    const artifacts = halves.map((half, i) =>
      registration(
        `payout ${i}`,
        half.map((s) => ({ account: s.address, share: 1 })),
      ),
    );
    for (const reg of artifacts) await gasOf(registry.connect(alice).register(reg));
    let total = 0;
    const poolId = await pools
      .connect(curator)
      .createPool.staticCall(await token.getAddress(), curator.address, 0);
    total += await gasOf(pools.connect(curator).createPool(await token.getAddress(), curator.address, 0));
    for (const reg of artifacts) total += await gasOf(pools.connect(curator).admit(poolId, reg.digest, 1));
    total += await gasOf(pools.fund(poolId, 100n * PAYOUT));
    for (const [i, half] of halves.entries()) {
      for (const signer of half) {
        const slot = await slotOf(artifacts[i].digest, signer.address);
        total += await gasOf(claim(signer, poolId, [[artifacts[i].digest, slot]], signer.address));
        expect((await token.balanceOf(signer.address)) === PAYOUT, "payout: each contributor gets its share");
      }
    }
    results["payout.100contributors.total"] = total;

    const payees = await freshSigners("splitter payout", 100);
    const splitter = await splitterFactory.deploy(
      payees.map((p) => p.address),
      payees.map(() => 1),
    );
    let splitterTotal = await deployGas(splitter);
    splitterTotal += await gasOf(token.transfer(await splitter.getAddress(), 100n * PAYOUT));
    for (const payee of payees) splitterTotal += await gasOf(release(splitter, payee));
    results["peer.paymentSplitter.payout100.total"] = splitterTotal;

    const claimants = await freshSigners("merkle payout", 100);
    const tree = new MerkleTree(claimants.map((s) => ({ account: s.address, amount: PAYOUT })));
    const { distributor, gas } = await deployDistributor(tree);
    let merkleTotal = gas;
    for (const [index, signer] of claimants.entries()) {
      merkleTotal += await gasOf(merkleClaim(distributor, tree, index, signer));
    }
    results["peer.merkleDistributor.payout100.total"] = merkleTotal;
  }

  report(started);
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  Output
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

function report(started: number): void {
  const budgets = readBudgets();
  const table = markdownTable(results, budgets);
  const r = (name: string) => results[name];
  const perExtra = Math.round((r("pool.claim.10artifacts") - r("pool.claim.repeat.holder")) / 9);
  const settle = r("pool.claim.withParents1") - r("pool.claim.repeat.holder");
  const perParent = r("pool.claim.withParents2") - r("pool.claim.withParents1");
  const derived = [
    `- Each extra artifact in one claim: ${fmt(perExtra)} gas ((10artifacts − repeat.holder) / 9; budget 25,000).`,
    `- Claiming an artifact whose upstream flow settles (upstreamBps > 0, 1 parent) adds ${fmt(settle)} over ` +
      `repeat.holder; each further parent adds ${fmt(perParent)} (withParents2 − withParents1).`,
    `- Each stream end a claim processes: ${fmt(r("ends.claim.1end") - r("ends.claim.none"))} gas for the first ` +
      `(1end − none), ${fmt(Math.round((r("ends.claim.2ends") - r("ends.claim.none")) / 2))} each for two; once ` +
      `processed the next claim pays ${fmt(r("ends.claim.after") - r("ends.claim.none"))} more than none.`,
    `- Griefing: ${grief?.streams} 1-wei streams with distinct ends cost the griefer ${fmt(grief?.griefTotal ?? 0)} gas ` +
      `(${fmt(Math.round((grief?.griefTotal ?? 0) / (grief?.streams ?? 1)))} each); the next claim paid ` +
      `${fmt(r("ends.claim.32ends"))} (${fmt(r("ends.claim.32ends") - r("ends.claim.none"))} over none, ` +
      `${fmt(Math.round((r("ends.claim.32ends") - r("ends.claim.none")) / 32))} per end); a new stream ` +
      `${grief?.fundStreamBlocked ? "reverted AccrualBehind" : "went through"} before that claim and ` +
      `${grief?.unblockedByClaim ? "went through" : "still reverted"} after it (${fmt(r("ends.fundStream.after32"))} gas, ` +
      "processing the 33rd end).",
    `- 100 contributors: ${fmt(r("payout.100contributors.total"))} here vs ` +
      `${fmt(r("peer.paymentSplitter.payout100.total"))} PaymentSplitter and ` +
      `${fmt(r("peer.merkleDistributor.payout100.total"))} MerkleDistributor.`,
  ];
  const md = [
    "# Gas benchmark",
    "",
    "Generated by `npm run bench` (bench/gas.ts). Whole-transaction receipt `gasUsed` on the in-process Hardhat " +
      `network (hardfork ${(network.config as HardhatNetworkConfig).hardfork}); \`*.total\` rows are sums over every transaction. ` +
      "Budgets from bench/budgets.json.",
    "",
    table,
    "",
    ...derived,
    "",
  ].join("\n");

  mkdirSync(path.dirname(RESULTS_JSON), { recursive: true });
  writeFileSync(RESULTS_JSON, JSON.stringify(results, null, 2) + "\n");
  writeFileSync(RESULTS_MD, md);
  if (process.env.UPDATE_SNAPSHOT === "1") {
    writeFileSync(SNAPSHOT_JSON, JSON.stringify(results, null, 2) + "\n");
  }

  console.log(`\n${table}\n\n${derived.join("\n")}\n`);
  const over = evaluateBudgets(budgets, results).filter((v) => !v.ok);
  for (const v of over) {
    console.log(`${v.budget.missed ? "known miss" : "over budget"}: ${v.budget.operation}: ${v.detail}`);
  }
  const written = [RESULTS_JSON, RESULTS_MD, ...(process.env.UPDATE_SNAPSHOT === "1" ? [SNAPSHOT_JSON] : [])];
  console.log(
    `Wrote ${written.map((f) => path.relative(path.dirname(BENCH_DIR), f)).join(", ")} ` +
      `in ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  );
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
