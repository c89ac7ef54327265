/**
 * The main job: a small river-watch community registers its work, a reward pool pays the people who
 * made it, and part of what derived work earns flows back to the work it builds on. Runs on the
 * in-process Hardhat network with no setup: `npm run demo`.
 *
 * Commit-reveal is ON (ignition/parameters/hardhat.json: 60 s), as on a real deployment; the demo
 * moves the chain's clock forward instead of waiting, so it finishes in seconds.
 */
import { join } from "node:path";

import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { claimAcrossPools, claimTargets, settle, settleList } from "../src/claims";
import { advanceTimeFor } from "../tasks/lib/chain";
import { getContracts } from "../tasks/lib/contracts";
import { deploySuite } from "../tasks/lib/deploy";
import { formatBps, formatRounded, short, table } from "../src/format";
import { hashPath } from "../src/hash";
import { syncHistory } from "../src/history";
import { parseKind } from "../src/parse";
import { registerArtifact } from "../src/register";
import { eventOf } from "../src/pools";
import { tokenInfo } from "../src/token";
import { scoredEpochSection } from "./demoEpoch";

const EXAMPLES = join(__dirname, "..", "examples");
const DAY = 86_400;
const PEOPLE = ["Ana", "Ben", "Chen", "Dara", "Eli"] as const;
type Person = (typeof PEOPLE)[number];

interface Example {
  name: string;
  path: string;
  kind: string;
  owner: Person;
  contributors: [Person, number][];
  parents: string[];
  upstream: number;
  minUpstream: number;
  weight: number;
}

/** The community's work, as it appears in examples/. Shares are percentages; weights are pool weights. */
const ARTIFACTS: Example[] = [
  {
    name: "River dataset",
    path: "river-dataset",
    kind: "dataset",
    owner: "Ana",
    contributors: [
      ["Ana", 60],
      ["Ben", 40],
    ],
    parents: [],
    upstream: 0,
    minUpstream: 1_000,
    weight: 40,
  },
  {
    name: "Model card",
    path: "model-card.md",
    kind: "model",
    owner: "Chen",
    contributors: [
      ["Chen", 70],
      ["Ana", 30],
    ],
    parents: [],
    upstream: 0,
    minUpstream: 0,
    weight: 30,
  },
  {
    name: "Agent prompt",
    path: "agent-prompt.md",
    kind: "agent",
    owner: "Dara",
    contributors: [
      ["Dara", 50],
      ["Eli", 50],
    ],
    parents: ["River dataset", "Model card"],
    upstream: 2_000,
    // Its parent asks derivatives for 10%, so it must ask its own derivatives as much.
    minUpstream: 1_000,
    weight: 20,
  },
  {
    name: "Python snippet",
    path: "snippet.py",
    kind: "code",
    owner: "Ben",
    contributors: [["Ben", 100]],
    parents: ["River dataset"],
    upstream: 1_000,
    minUpstream: 1_000,
    weight: 10,
  },
];

const INSTANT = 1_000n;
const STREAMED = 3_000n;
const STREAM_DAYS = 30;
const CURATION_DAYS = 2;
/** Rounding leaves at most a few wei per claim and distribution in the pool; more would be a bug. */
const MAX_DUST_WEI = 100n;

const out = (line = "") => console.log(line);
const indent = (text: string) =>
  text
    .split("\n")
    .map((l) => `   ${l}`)
    .join("\n");

async function main(): Promise<void> {
  const started = Date.now();
  const { ethers } = hre;
  out("Knowledge Commons demo");
  out("======================");
  out("A river-watch community registers its work on-chain, a reward pool pays the people who made it,");
  out("and part of what derived work earns flows back to the work it builds on.");
  out();

  // 1. Deploy through the same Ignition modules users run.
  const deployed = await deploySuite(hre, { token: true });
  const signers = await ethers.getSigners();
  const treasury = signers[0];
  const person = Object.fromEntries(PEOPLE.map((p, i) => [p, signers[i + 1]])) as Record<
    Person,
    HardhatEthersSigner
  >;
  const { registry, pools, poolsAddress } = await getContracts(hre, {
    registry: deployed.registry,
    pools: deployed.pools,
  });
  const token = await tokenInfo(deployed.token!, treasury);
  const units = (n: bigint) => n * 10n ** BigInt(token.decimals);
  const money = (v: bigint) => formatRounded(v, token.decimals);

  out("1. Deploy (in-process Hardhat network, Ignition modules, ignition/parameters/hardhat.json)");
  out(
    indent(
      table(
        ["contract", "address", "note"],
        [
          [
            "KnowledgeRegistry",
            deployed.registry,
            `commit-reveal on: reveal ≥ ${deployed.minCommitAge}s after committing`,
          ],
          ["RewardPools", deployed.pools, "one contract, many pools"],
          [
            "CommunityToken",
            deployed.token!,
            `${token.symbol}, an ERC-20 with permit; the treasury holds it`,
          ],
        ],
      ),
    ),
  );
  out();

  // 2. Register the examples: hash locally, commit, (move time), reveal.
  const digestOf = new Map<string, string>();
  for (const a of ARTIFACTS) {
    // IPFS mode, as `kc register --path` does: the scheme tells anyone how to rebuild the CID.
    const { digest, scheme } = await hashPath(join(EXAMPLES, a.path));
    digestOf.set(a.name, digest);
    await registerArtifact(
      registry,
      person[a.owner],
      {
        digest,
        kind: parseKind(a.kind),
        scheme,
        uri: `https://example.org/alder-creek/${a.path}`,
        contributors: a.contributors.map(([p, share]) => ({
          account: person[p].address,
          share: BigInt(share),
        })),
        parents: a.parents.map((p) => digestOf.get(p)!),
        upstreamBps: a.upstream,
        minUpstreamBps: a.minUpstream,
      },
      { advanceTime: advanceTimeFor(hre) },
    );
  }
  out("2. Register four artifacts from examples/ (commit, wait out the commit age, reveal)");
  out(
    indent(
      table(
        ["artifact", "kind", "digest", "owner", "contributors", "builds on", "gives upstream"],
        ARTIFACTS.map((a) => [
          a.name,
          a.kind,
          short(digestOf.get(a.name)!, 4),
          a.owner,
          a.contributors.map(([p, s]) => `${p} ${s}%`).join(", "),
          a.parents.join(" + ") || "-",
          a.upstream ? formatBps(a.upstream) : a.minUpstream ? `- (asks ≥ ${formatBps(a.minUpstream)})` : "-",
        ]),
      ),
    ),
  );
  out();

  // 3. A pool curated by the community treasury, whose changes wait out a curation delay.
  const created = await (
    await pools.connect(treasury).createPool(token.address, treasury.address, CURATION_DAYS * DAY)
  ).wait();
  const poolId = eventOf(pools, created!, "PoolCreated").args.poolId as bigint;
  const announced = await (
    await pools.connect(treasury).admitMany(
      poolId,
      ARTIFACTS.map((a) => digestOf.get(a.name)!),
      ARTIFACTS.map((a) => a.weight),
    )
  ).wait();
  const changeId = eventOf(pools, announced!, "CurationAnnounced").args.changeId as bigint;
  await ethers.provider.send("evm_increaseTime", [CURATION_DAYS * DAY]);
  await (await pools.connect(person.Eli).executeChange(poolId, changeId)).wait();
  const totalWeight = ARTIFACTS.reduce((s, a) => s + a.weight, 0);
  out(
    `3. The treasury creates pool #${poolId} paying ${token.symbol} with a ${CURATION_DAYS}-day curation delay and`,
  );
  out(`   announces the admission of the artifacts with weights`);
  out(`   ${ARTIFACTS.map((a) => `${a.name} ${a.weight}`).join(", ")} (of ${totalWeight});`);
  out(`   ${CURATION_DAYS} days later Eli (anyone may) executes the change.`);
  out();

  // 4. Fund once and as a cancelable stream of the treasury's own.
  await (
    await token.contract.connect(treasury).getFunction("approve")(poolsAddress, units(INSTANT + STREAMED))
  ).wait();
  await (await pools.connect(treasury).fund(poolId, units(INSTANT))).wait();
  await (
    await pools.connect(treasury).fundStream(poolId, units(STREAMED), STREAM_DAYS * DAY, true, 0)
  ).wait();
  out(
    `4. Fund: ${INSTANT} ${token.symbol} at once, ${STREAMED} ${token.symbol} streamed over ${STREAM_DAYS} days`,
  );
  out(
    "   (a stream of the treasury's own: nobody can reschedule it, and the treasury could cancel what is left)",
  );
  out();

  // 5. Time passes; derivatives are settled so their upstream share reaches the parents.
  await (await pools.connect(treasury).accrue(poolId)).wait();
  await ethers.provider.send("evm_increaseTime", [STREAM_DAYS * DAY]);
  await ethers.provider.send("evm_mine", []);
  // Every event the demo reads comes from the SDK's history index (in memory: the chain lives for one run).
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const history = async () =>
    (await syncHistory({ provider: ethers.provider, chainId, registry, pools })).view;
  const index = await history();
  const roots = ARTIFACTS.filter((a) => a.parents.length === 0).map((a) => digestOf.get(a.name)!);
  const toSettle = await settleList(pools, poolId, index, roots);
  await settle(pools, treasury, poolId, toSettle);
  const nameOfDigest = (d: string) =>
    ARTIFACTS.find((a) => digestOf.get(a.name) === d.toLowerCase())?.name ?? short(d);
  out(
    `5. ${STREAM_DAYS} days pass. Anyone may settle derivatives; the treasury settles ${toSettle.map(nameOfDigest).join(" and ")},`,
  );
  out("   which moves their upstream share to the artifacts they build on.");
  out();

  // 6. Everyone claims all of their artifacts in one transaction each.
  const balancesBefore = new Map<string, bigint>();
  for (const p of PEOPLE) balancesBefore.set(p, await token.contract.balanceOf(person[p].address));
  const paid: { person: Person; artifact: string; amount: bigint }[] = [];
  for (const p of PEOPLE) {
    const account = person[p].address;
    const targets = await claimTargets(registry, index.artifactsOf(account), account);
    const result = await claimAcrossPools(pools, person[p], [{ poolId, settle: [], targets }], account);
    for (const item of result?.perArtifact ?? [])
      paid.push({ person: p, artifact: item.artifact, amount: item.amount });
  }
  out(`6. Each contributor claims everything they earned, from every pool, in one transaction each.`);
  out();

  // Direct vs upstream: an artifact's earnings are its own weight's part (after what it passes on)
  // plus what its children passed to it; each contributor's claim splits in that proportion.
  const SCALE = await pools.SCALE();
  const after = (await history()).pool(poolId)!;
  const flows = after.flows;
  const inflow = new Map<string, bigint>();
  for (const f of flows) inflow.set(f.parent, (inflow.get(f.parent) ?? 0n) + f.scaledAmount);
  const poolIndex = (await pools.pool(poolId)).index;
  const rows: string[][] = [];
  const perPerson = new Map<Person, { direct: bigint; upstream: bigint }>();
  for (const { person: p, artifact, amount } of paid) {
    const member = await pools.member(poolId, artifact);
    const received = inflow.get(artifact) ?? 0n;
    const keptInflow = (received * (10_000n - member.upstreamBps)) / 10_000n;
    // Claims on artifacts without parents skip settling, so part of what they earned is still unbooked.
    const unbooked =
      (member.weight * (poolIndex - member.checkpoint) * (10_000n - member.upstreamBps)) / 10_000n;
    const earned = member.earnedScaled + unbooked;
    const upstream = earned === 0n ? 0n : (amount * keptInflow) / earned;
    const direct = amount - upstream;
    const a = ARTIFACTS.find((x) => digestOf.get(x.name) === artifact)!;
    const share = a.contributors.find(([who]) => who === p)![1];
    rows.push([p, a.name, `${share}%`, money(direct), money(upstream), money(amount)]);
    const sum = perPerson.get(p) ?? { direct: 0n, upstream: 0n };
    perPerson.set(p, { direct: sum.direct + direct, upstream: sum.upstream + upstream });
  }
  out(`Who earned what (${token.symbol})`);
  out(`   "direct": by the artifact's own weight, after the part it passes to the work it builds on;`);
  out(`   "from derivatives": the upstream part of work built on theirs.`);
  out(
    indent(
      table(["contributor", "artifact", "share", "direct", "from derivatives", "total"], rows, [
        "left",
        "left",
        "right",
        "right",
        "right",
        "right",
      ]),
    ),
  );
  out();
  const totalPaid = paid.reduce((s, p) => s + p.amount, 0n);
  out(`Totals per contributor (${token.symbol})`);
  out(
    indent(
      table(
        ["contributor", "direct", "from derivatives", "total"],
        [
          ...PEOPLE.map((p) => {
            const t = perPerson.get(p) ?? { direct: 0n, upstream: 0n };
            return [p, money(t.direct), money(t.upstream), money(t.direct + t.upstream)];
          }),
          ["all", "", "", money(totalPaid)],
        ],
        ["left", "right", "right", "right"],
      ),
    ),
  );
  out();
  out(`Lineage flows (${token.symbol})`);
  out(
    indent(
      table(
        ["from", "to", "amount"],
        flows.map((f) => [nameOfDigest(f.child), nameOfDigest(f.parent), money(f.scaledAmount / SCALE)]),
        ["left", "left", "right"],
      ),
    ),
  );
  out();

  // The checks: nothing created, nothing lost beyond rounding dust, wallets match the claims.
  const funded = after.received;
  const left: bigint = await token.contract.balanceOf(poolsAddress);
  let failures = 0;
  const check = (ok: boolean, text: string) => {
    out(`   ${ok ? "✓" : "✗"} ${text}`);
    if (!ok) failures++;
  };
  out("Checks");
  check(
    totalPaid + left === funded,
    `paid ${token.format(totalPaid)} + left in the pool ${token.format(left)} = funded ${token.format(funded)}`,
  );
  check(
    funded === units(INSTANT + STREAMED),
    `funded is what the treasury sent: ${INSTANT + STREAMED} ${token.symbol}`,
  );
  check(
    left <= MAX_DUST_WEI,
    `what is left in the pool is rounding dust: ${left} wei (at most ${MAX_DUST_WEI})`,
  );
  let walletsMatch = true;
  for (const p of PEOPLE) {
    const got = (await token.contract.balanceOf(person[p].address)) - balancesBefore.get(p)!;
    const claimed = paid.filter((x) => x.person === p).reduce((s, x) => s + x.amount, 0n);
    if (got !== claimed) walletsMatch = false;
  }
  check(walletsMatch, "every wallet received exactly what its claims say");
  out();
  await scoredEpochSection(hre, { registry, token, treasury, people: person, out, indent, check });
  out();
  out(
    `Done in ${((Date.now() - started) / 1000).toFixed(1)}s.${failures ? ` ${failures} check(s) FAILED.` : ""}`,
  );
  if (failures) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
