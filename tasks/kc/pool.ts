import { ZeroAddress } from "ethers";

import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { encodeCall } from "../../src/calldata";
import type { RewardPools } from "../../typechain-types";

import { KcError } from "../../src/errors";
import { formatDuration, formatRounded, isoTime, short, table } from "../../src/format";
import { KINDS, parseDuration } from "../../src/parse";
import {
  announcedChanges,
  curationTrust,
  pendingChanges,
  poolStreams,
  requireCurator,
  requirePool,
} from "../../src/pools";
import { parseArtifactRef, parseArtifactRefs } from "../../src/refs";
import { tokenInfo } from "../../src/token";
import { Pools } from "../../src/clients/pools";
import { sendCall } from "../../src/tx";
import {
  type CommonArgs,
  type UnsentArgs,
  addUnsentFlags,
  addressArg,
  contractsFor,
  keyValues,
  kcTask,
  nextCommand,
  parseId,
  parseMaxPerTx,
  parsePoolId,
  parseWeight,
  proposeInstead,
  required,
  txJson,
  txLine,
  unsentMode,
} from "./common";
import { readHistory } from "./history";

interface CreateArgs extends CommonArgs {
  token?: string;
  curator?: string;
  curationDelay?: string;
}

kcTask<CreateArgs>(
  "pool-create",
  "Create a reward pool paying an ERC-20 token",
  { chain: true, signer: true },
  (t) =>
    t
      .addOptionalParam("token", "ERC-20 token the pool pays")
      .addOptionalParam(
        "curator",
        "Who admits artifacts and sets weights, 0x… or an ENS name (default: the sender)",
      )
      .addOptionalParam(
        "curationDelay",
        "How long curation changes wait after their announcement, e.g. 2d, 36h, 1.5 days (0 to 30d, fixed forever; default 0)",
      ),
  async (args, { hre, say }) => {
    const tokenAddress = await addressArg(hre, required(args.token, "token", "0x…"), "--token", {
      nonZero: true,
    });
    const curationDelay =
      args.curationDelay === undefined ? 0n : parseDuration(args.curationDelay, { zero: true });
    const curatorArg =
      args.curator === undefined
        ? undefined
        : await addressArg(hre, args.curator, "--curator", { nonZero: true });
    const { pools, signer, account } = await contractsFor(args, hre, true);
    if ((await hre.ethers.provider.getCode(tokenAddress)) === "0x") {
      throw new KcError(`--token ${tokenAddress} has no contract code on this network`);
    }
    const token = await tokenInfo(tokenAddress, hre.ethers.provider);
    const curator = curatorArg ?? account!;
    const created = await new Pools(await pools.getAddress(), signer!).createPool({
      token: tokenAddress,
      curator,
      curationDelay,
    });
    const poolId = created.poolId;
    const [tx] = created.result.steps;
    say(`Created pool #${poolId} paying ${token.symbol} (${tokenAddress})`);
    for (const line of keyValues([
      ["curator", curator],
      ["curation delay", curationDelay === 0n ? "none" : formatDuration(curationDelay)],
      ["trust", curationTrust(curationDelay)],
      ["tx", `${tx.hash} (block ${tx.blockNumber})`],
    ])) {
      say(`  ${line}`);
    }
    // The curator admits; when that is not this run's sender, the hint names it.
    const next = nextCommand(hre, args, "pool-admit", `--pool ${poolId} --artifact <digest> --weight <n>`, {
      from: curator === account ? undefined : curator,
    });
    say(`Next: ${next}`);
    return {
      next,
      poolId,
      token: tokenAddress,
      symbol: token.symbol,
      curator,
      curationDelay,
      txHash: tx.hash,
      blockNumber: tx.blockNumber,
    };
  },
);

function announcementLines(
  announced: { changeId: bigint; executeAfter: bigint } | undefined,
  poolId: bigint,
  hre: HardhatRuntimeEnvironment,
  args: CommonArgs,
): [string, string][] {
  if (!announced) return [];
  return [
    ["change", `#${announced.changeId}, executable by anyone from ${isoTime(announced.executeAfter)}`],
    ["then", nextCommand(hre, args, "pool-execute", `--pool ${poolId} --change ${announced.changeId}`)],
  ];
}

interface MemberArgs extends CommonArgs, UnsentArgs {
  pool?: string;
  artifact?: string;
  weight?: string;
}

type Curation = "admit" | "weight" | "remove";

const CURATION_METHOD = { admit: "admit", weight: "setWeight", remove: "remove" } as const;

function curationTask(name: string, description: string, op: Curation): void {
  kcTask<MemberArgs>(
    name,
    description,
    { chain: true, signer: true },
    (t) => {
      const base = addUnsentFlags(t)
        .addOptionalParam("pool", "Pool id")
        .addOptionalParam("artifact", "Artifact digest or sha2-256 CID");
      return op === "remove" ? base : base.addOptionalParam("weight", "Weight, a whole number from 1");
    },
    async (args, ctx) => {
      const { hre, say } = ctx;
      const poolId = parsePoolId(required(args.pool, "pool", "1"));
      const artifact = await parseArtifactRef(required(args.artifact, "artifact", "0x…"), "--artifact");
      const weight = op === "remove" ? 0 : parseWeight(required(args.weight, "weight", "10"));
      const mode = unsentMode(args);
      const { registry, pools, signer, account } = await contractsFor(args, hre, !mode);
      const state = await requirePool(pools, poolId);
      if (!mode) requireCurator(state, poolId, account!);
      const member = await pools.member(poolId, artifact);
      if (op === "admit") {
        if (!(await registry.exists(artifact))) throw new KcError(`artifact ${artifact} is not registered`);
        if ((await registry.artifact(artifact)).retracted) {
          throw new KcError(`artifact ${artifact} was retracted by its owner and cannot be admitted`);
        }
        if (member.weight > 0n) {
          throw new KcError(
            `artifact ${artifact} is already in pool #${poolId} with weight ${member.weight}; use kc pool-weight`,
          );
        }
      } else if (member.weight === 0n) {
        throw new KcError(`artifact ${artifact} is not in pool #${poolId}; admit it with kc pool-admit`);
      }
      const kind = KINDS[Number((await registry.artifact(artifact)).kind)];
      const what =
        op === "admit"
          ? `admit ${artifact} (${kind}) to pool #${poolId} with weight ${weight}`
          : op === "weight"
            ? `change the weight of ${artifact} (${kind}) in pool #${poolId} from ${member.weight} to ${weight}`
            : `remove ${artifact} (${kind}) from pool #${poolId}; what it earned stays claimable`;
      const params = op === "remove" ? [poolId, artifact] : [poolId, artifact, weight];
      const method = CURATION_METHOD[op];
      if (mode) {
        const call = encodeCall(pools.interface, await pools.getAddress(), method, params);
        return proposeInstead(ctx, mode, state.curator, [call], what);
      }
      const result = await sendCall(signer!, pools, method, params, what);
      const [tx] = result.steps;
      const announced = announcedChanges(result)[0];
      const totalWeight = (await pools.pool(poolId)).totalWeight;
      say(announced ? `Announced: ${what}` : `Done: ${what}`);
      for (const line of keyValues([
        ...announcementLines(announced, poolId, hre, args),
        ["total weight", totalWeight],
        ["tx", `${tx.hash} (block ${tx.blockNumber})`],
      ])) {
        say(`  ${line}`);
      }
      return {
        poolId,
        artifact,
        oldWeight: member.weight,
        weight,
        totalWeight,
        changeId: announced?.changeId ?? null,
        executeAfter: announced?.executeAfter ?? null,
        txHash: tx.hash,
        blockNumber: tx.blockNumber,
      };
    },
  );
}

curationTask("pool-admit", "Admit an artifact to a pool with a weight (curator only)", "admit");
curationTask("pool-weight", "Change an admitted artifact's weight (curator only)", "weight");
curationTask(
  "pool-remove",
  "Remove an artifact from a pool; what it earned stays claimable (curator only)",
  "remove",
);

interface AdmitManyArgs extends CommonArgs, UnsentArgs {
  pool?: string;
  artifacts?: string;
  weights?: string;
  maxPerTx?: string;
}

// One distribution before all admissions: the first members of a pool share what it carried by weight.
kcTask<AdmitManyArgs>(
  "pool-admit-many",
  "Admit several artifacts at once, so they share funds the pool carried by weight (curator only)",
  { chain: true, signer: true },
  (t) =>
    addUnsentFlags(t)
      .addOptionalParam("pool", "Pool id")
      .addOptionalParam("artifacts", "Comma-separated artifact digests or sha2-256 CIDs")
      .addOptionalParam("weights", "Comma-separated weights, one per artifact, whole numbers from 1")
      .addOptionalParam("maxPerTx", "Gas one transaction may use at most (default: 16777216, EIP-7825)"),
  async (args, ctx) => {
    const { hre, say, status } = ctx;
    const poolId = parsePoolId(required(args.pool, "pool", "1"));
    const artifacts = await parseArtifactRefs(
      required(args.artifacts, "artifacts", "0x…,0x…"),
      "--artifacts",
    );
    const weights = required(args.weights, "weights", "1,3").split(",").map(parseWeight);
    if (artifacts.length === 0) throw new KcError("--artifacts lists no artifact");
    if (weights.length !== artifacts.length) {
      throw new KcError(`--weights has ${weights.length} values for ${artifacts.length} artifacts`);
    }
    const mode = unsentMode(args);
    const { registry, pools, signer, account } = await contractsFor(args, hre, !mode);
    const state = await requirePool(pools, poolId);
    if (!mode) requireCurator(state, poolId, account!);
    for (const artifact of artifacts) {
      if (!(await registry.exists(artifact))) throw new KcError(`artifact ${artifact} is not registered`);
      if ((await registry.artifact(artifact)).retracted) {
        throw new KcError(`artifact ${artifact} was retracted by its owner and cannot be admitted`);
      }
      if ((await pools.member(poolId, artifact)).weight > 0n) {
        throw new KcError(`artifact ${artifact} is already in pool #${poolId}; use kc pool-weight`);
      }
    }
    if (mode) {
      const call = encodeCall(pools.interface, await pools.getAddress(), "admitMany", [
        poolId,
        artifacts,
        weights,
      ]);
      return proposeInstead(
        ctx,
        mode,
        state.curator,
        [call],
        `admit ${artifacts.length} artifacts to pool #${poolId}`,
      );
    }
    const { result, changes } = await new Pools(await pools.getAddress(), signer!).admitMany(
      poolId,
      artifacts,
      weights,
      { status, maxPerTx: parseMaxPerTx(args.maxPerTx) },
    );
    const totalWeight = (await pools.pool(poolId)).totalWeight;
    say(
      `${changes.length > 0 ? "Announced the admission of" : "Admitted"} ${artifacts.length} artifacts to pool #${poolId}`,
    );
    for (const [i, artifact] of artifacts.entries()) say(`  ${artifact}  weight ${weights[i]}`);
    for (const note of result.notes) say(`  ${note}`);
    for (const line of keyValues([
      ...changes.flatMap((c) => announcementLines(c, poolId, hre, args)),
      ["total weight", totalWeight],
      ...(result.steps.length === 1
        ? [["tx", `${result.steps[0].hash} (block ${result.steps[0].blockNumber})`] as [string, string]]
        : []),
    ])) {
      say(`  ${line}`);
    }
    if (result.steps.length > 1) for (const step of result.steps) say(`  ${txLine(step)}`);
    const last = result.steps[result.steps.length - 1];
    return {
      poolId,
      admitted: artifacts.map((artifact, i) => ({ artifact, weight: weights[i] })),
      totalWeight,
      changeId: changes[0]?.changeId ?? null,
      executeAfter: changes[0]?.executeAfter ?? null,
      changes,
      notes: result.notes,
      transactions: result.steps.map(txJson),
      txHash: last.hash,
      blockNumber: last.blockNumber,
    };
  },
);

interface ShowArgs extends CommonArgs {
  pool?: string;
}

kcTask<ShowArgs>(
  "pool-show",
  "Show a pool: token, curator, stream, members with weights and what their contributors can claim",
  { chain: true },
  (t) => t.addOptionalParam("pool", "Pool id"),
  async (args, { hre, say, status }) => {
    const poolId = parsePoolId(required(args.pool, "pool", "1"));
    const { registry, pools, view: index } = await readHistory(args, { hre, status });
    const state = await requirePool(pools, poolId);
    const token = await tokenInfo(state.token, hre.ethers.provider);
    const record = index.pool(poolId)!;
    const admitted = record.everAdmitted;
    const totals = {
      funded: record.received - record.refunded,
      refunded: record.refunded,
      claimed: record.claimed,
    };
    // Parents that earn only through lineage are not admitted but have claimable rewards too.
    const viaLineage = [...new Set(record.flows.map((f) => f.parent))].filter((d) => !admitted.includes(d));
    const members = [];
    for (const artifact of [...admitted, ...viaLineage]) {
      const [member, slots] = await Promise.all([
        pools.member(poolId, artifact),
        registry.contributors(artifact),
      ]);
      const claimable = (
        await Promise.all(slots.map((_, slot) => pools.claimableBySlot(poolId, artifact, slot)))
      ).reduce((s, v) => s + v, 0n);
      const artifactRecord = index.artifacts.get(artifact);
      members.push({
        artifact,
        kind: artifactRecord ? KINDS[artifactRecord.kind] : "?",
        weight: member.weight,
        status: admitted.includes(artifact) ? (member.weight > 0n ? "member" : "removed") : "upstream only",
        claimable,
      });
    }
    const claimableTotal = members.reduce((s, m) => s + m.claimable, 0n);
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
    const streams = poolStreams(index, poolId, now);
    const changes = await pendingChanges(pools, index, poolId);
    const running = streams.filter((s) => s.status === "running");
    const result = {
      poolId,
      token: state.token,
      symbol: token.symbol,
      decimals: token.decimals,
      curator: state.curator,
      pendingCurator: state.pendingCurator,
      curationDelay: state.curationDelay,
      totalWeight: state.totalWeight,
      funded: totals.funded,
      refunded: totals.refunded,
      claimed: totals.claimed,
      streaming: state.streaming,
      ratePerDay: (state.rate * 86_400n) / (1n << 32n),
      nextStreamEnd: state.nextStreamEnd,
      runningStreams: running.length,
      pendingChanges: changes,
      carried: state.carried,
      claimableTotal,
      members,
    };
    say(`Pool #${poolId} pays ${token.symbol} (${state.token})`);
    const pct = (w: bigint) =>
      state.totalWeight === 0n ? "-" : `${((Number(w) / Number(state.totalWeight)) * 100).toFixed(1)}%`;
    for (const line of keyValues([
      [
        "curator",
        state.curator + (state.pendingCurator !== ZeroAddress ? ` (proposed: ${state.pendingCurator})` : ""),
      ],
      [
        "curation delay",
        `${state.curationDelay === 0n ? "none" : formatDuration(state.curationDelay)} (${curationTrust(state.curationDelay)})`,
      ],
      [
        "pending changes",
        changes.length === 0
          ? "none"
          : changes.map((c) => `#${c.changeId}`).join(", ") + " (kc pool-changes)",
      ],
      ["total weight", state.totalWeight],
      [
        "funded",
        token.format(totals.funded) +
          (totals.refunded > 0n ? ` (after ${token.format(totals.refunded)} refunded)` : ""),
      ],
      ["claimed", token.format(totals.claimed)],
      [
        "streams",
        running.length > 0
          ? `${running.length} running (kc pool-streams): ${token.format(state.streaming)} still to release, ≈ ${formatRounded(
              result.ratePerDay,
              token.decimals,
              4,
            )} ${token.symbol}/day, next end ${isoTime(state.nextStreamEnd)}`
          : "none running",
      ],
      [
        "carried",
        `${token.format(state.carried)}${state.carried > 0n ? " (paid out with the next distribution)" : ""}`,
      ],
      ["claimable now", token.format(claimableTotal)],
    ])) {
      say(`  ${line}`);
    }
    say();
    if (members.length === 0) {
      say(
        `No artifacts yet: ${nextCommand(hre, args, "pool-admit", `--pool ${poolId} --artifact <digest> --weight <n>`)}`,
      );
    } else {
      say(
        table(
          ["artifact", "kind", "weight", "of total", "status", "claimable"],
          members.map((m) => [
            short(m.artifact),
            m.kind,
            String(m.weight),
            pct(m.weight),
            m.status,
            token.format(m.claimable),
          ]),
          ["left", "left", "right", "right", "left", "right"],
        ),
      );
    }
    return result;
  },
);

interface ChangesArgs extends CommonArgs {
  pool?: string;
}

kcTask<ChangesArgs>(
  "pool-changes",
  "List a pool's announced curation changes that are still pending, and when each can be executed",
  { chain: true },
  (t) => t.addOptionalParam("pool", "Pool id"),
  async (args, { hre, say, status }) => {
    const poolId = parsePoolId(required(args.pool, "pool", "1"));
    const { pools, view } = await readHistory(args, { hre, status });
    const state = await requirePool(pools, poolId);
    const changes = await pendingChanges(pools, view, poolId);
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
    say(
      `Pool #${poolId}: ${changes.length} pending change(s); curation delay ${state.curationDelay === 0n ? "none" : formatDuration(state.curationDelay)}`,
    );
    for (const change of changes) {
      const due = change.executeAfter <= now ? "due now" : `in ${formatDuration(change.executeAfter - now)}`;
      say();
      say(`  change #${change.changeId}: executable from ${isoTime(change.executeAfter)} (${due})`);
      for (const op of change.ops) {
        say(
          `    ${op.action.padEnd(6)} ${op.artifact}${op.action === "remove" ? "" : `  weight ${op.weight}`}`,
        );
      }
    }
    return { poolId, curationDelay: state.curationDelay, now, changes };
  },
);

interface ChangeArgs extends CommonArgs, UnsentArgs {
  pool?: string;
  change?: string;
}

function changeTask(name: string, description: string, cancel: boolean): void {
  kcTask<ChangeArgs>(
    name,
    description,
    { chain: true, signer: true },
    (t) =>
      (cancel ? addUnsentFlags(t) : t)
        .addOptionalParam("pool", "Pool id")
        .addOptionalParam("change", "Change id (see kc pool-changes)"),
    async (args, ctx) => {
      const { hre, say } = ctx;
      const poolId = parsePoolId(required(args.pool, "pool", "1"));
      const changeId = parseId(required(args.change, "change", "1"), "change id");
      const mode = cancel ? unsentMode(args) : undefined;
      const { pools, signer } = await contractsFor(args, hre, !mode);
      const state = await requirePool(pools, poolId);
      const [executeAfter, ops] = await pools.pendingChange(poolId, changeId);
      if (mode) {
        const call = encodeCall(pools.interface, await pools.getAddress(), "cancelChange", [
          poolId,
          changeId,
        ]);
        return proposeInstead(
          ctx,
          mode,
          state.curator,
          [call],
          `cancel change #${changeId} of pool #${poolId}`,
        );
      }
      const result = await sendCall(
        signer!,
        pools,
        cancel ? "cancelChange" : "executeChange",
        [poolId, changeId],
        `${cancel ? "cancel" : "execute"} change #${changeId} of pool #${poolId}`,
      );
      const [tx] = result.steps;
      say(
        `${cancel ? "Cancelled" : "Executed"} change #${changeId} of pool #${poolId} (${ops.length} step(s))`,
      );
      for (const line of keyValues([
        ["total weight", (await pools.pool(poolId)).totalWeight],
        ["tx", `${tx.hash} (block ${tx.blockNumber})`],
      ])) {
        say(`  ${line}`);
      }
      return {
        poolId,
        changeId,
        executeAfter,
        steps: ops.length,
        txHash: tx.hash,
        blockNumber: tx.blockNumber,
      };
    },
  );
}

changeTask(
  "pool-execute",
  "Apply an announced curation change once its delay has passed (anyone may)",
  false,
);
changeTask(
  "pool-cancel-change",
  "Withdraw an announced curation change before it applies (curator only)",
  true,
);

kcTask<ChangesArgs>(
  "pool-streams",
  "List a pool's streams: funder, schedule, cancelability, what each released and what is left",
  { chain: true },
  (t) => t.addOptionalParam("pool", "Pool id"),
  async (args, { hre, say, status }) => {
    const poolId = parsePoolId(required(args.pool, "pool", "1"));
    const { pools, view } = await readHistory(args, { hre, status });
    const state = await requirePool(pools, poolId);
    const token = await tokenInfo(state.token, hre.ethers.provider);
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
    const streams = poolStreams(view, poolId, now);
    say(
      `Pool #${poolId}: ${streams.length} stream(s), ${streams.filter((s) => s.status === "running").length} running`,
    );
    if (streams.length > 0) {
      say();
      say(
        table(
          ["stream", "funder", "received", "start", "end", "cancelable", "status", "released", "refunded"],
          streams.map((s) => [
            short(s.streamId, 4),
            short(s.funder, 4),
            token.format(s.received),
            isoTime(s.start),
            isoTime(s.end),
            s.cancelable ? "yes" : "no",
            s.status,
            (s.status === "running" ? "≈ " : "") + token.format(s.released),
            token.format(s.refunded),
          ]),
          ["left", "left", "right", "left", "left", "left", "left", "right", "right"],
        ),
      );
    }
    return { poolId, token: state.token, symbol: token.symbol, now, streams };
  },
);
