import {
  HDNodeWallet,
  Mnemonic,
  NonceManager,
  ZeroHash,
  parseUnits,
  sha256,
  toUtf8Bytes,
  type Provider,
} from "ethers";

import { CommunityToken__factory } from "../../typechain-types/factories/contracts/CommunityToken__factory";
import { KnowledgeRegistry__factory } from "../../typechain-types/factories/contracts/KnowledgeRegistry__factory";
import { RewardPools__factory } from "../../typechain-types/factories/contracts/RewardPools__factory";
import { MNEMONIC } from "./harness";

/**
 * A scripted history for the index and app end-to-end tests, sent with ethers to a node whose accounts come from
 * the test mnemonic: registrations with lineage, two pools, instant and streamed funding, a weight change, a
 * claim, a slot move and a retraction. `extraArtifacts` more registrations (all with account 1 as a contributor,
 * admitted to pool 1) make a bigger index for the budgets.
 */

export function wallet(provider: Provider, i: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`).connect(provider);
}

export const digestOf = (text: string) => sha256(toUtf8Bytes(text));

export interface History {
  digests: string[];
  accounts: string[];
  poolIds: bigint[];
}

export async function scriptedHistory(
  provider: Provider,
  addrs: { registry: string; pools: string; token: string },
  extraArtifacts = 0,
): Promise<History> {
  const w = [0, 1, 2, 3, 4, 5].map((i) => wallet(provider, i));
  const [deployer, alice, bob, carol, dave, eve] = w;
  const send = new NonceManager(deployer);
  const registry = KnowledgeRegistry__factory.connect(addrs.registry, send);
  const pools = RewardPools__factory.connect(addrs.pools, send);
  const token = CommunityToken__factory.connect(addrs.token, send);
  const unit = parseUnits("1", await token.decimals());

  const reg = (
    name: string,
    contributors: [HDNodeWallet, number][],
    parents: string[] = [],
    upstreamBps = 0,
    kind = 0,
  ) => ({
    digest: digestOf(name),
    kind,
    scheme: 0,
    uri: `ipfs://example/${name}`,
    contributors: contributors.map(([c, share]) => ({ account: c.address, share })),
    parents,
    upstreamBps,
    minUpstreamBps: 0,
    secret: ZeroHash,
  });
  const A = digestOf("river-dataset");
  const B = digestOf("river-model");
  const C = digestOf("river-agent");
  const D = digestOf("river-notes");
  const regs = [
    reg("river-dataset", [
      [alice, 3],
      [bob, 1],
    ]),
    reg("river-model", [[carol, 1]], [A], 2000, 1),
    reg(
      "river-agent",
      [
        [bob, 1],
        [dave, 1],
      ],
      [A, B],
      5000,
      2,
    ),
    reg("river-notes", [[dave, 1]], [], 0, 5),
  ];
  for (let i = 0; i < extraArtifacts; i++)
    regs.push(
      reg(
        `extra-${i}`,
        [
          [alice, 1],
          [eve, 1],
        ],
        [A],
        1000,
        3,
      ),
    );
  for (const r of regs) await (await registry.register(r)).wait();

  await (await pools.createPool(addrs.token, deployer.address, 0)).wait();
  await (await pools.createPool(addrs.token, deployer.address, 0)).wait();
  await (await pools.admitMany(1, [A, B, C], [1, 2, 3])).wait();
  await (await pools.admit(2, C, 1)).wait();
  const extras = regs.slice(4).map((r) => r.digest);
  for (let i = 0; i < extras.length; i += 50)
    await (
      await pools.admitMany(
        1,
        extras.slice(i, i + 50),
        extras.slice(i, i + 50).map(() => 1),
      )
    ).wait();
  await (await token.approve(addrs.pools, 10_000n * unit)).wait();
  await (await pools.fund(1, 1000n * unit)).wait();
  await (await pools.fundStream(1, 600n * unit, 3600, true, 0)).wait();
  await (await pools.fund(2, 300n * unit)).wait();
  await (await pools.setWeight(1, B, 4)).wait();
  await (await pools.settle(1, [C, B], 2)).wait();
  await (
    await RewardPools__factory.connect(addrs.pools, alice).claim(1, [{ artifact: A, slot: 0 }], alice.address)
  ).wait();
  await (await KnowledgeRegistry__factory.connect(addrs.registry, dave).moveSlot(C, 1, eve.address)).wait();
  await (await registry.retract(D, "superseded")).wait();
  await (await pools.fund(1, 77n * unit)).wait();

  return {
    digests: regs.map((r) => r.digest),
    accounts: w.map((x) => x.address),
    poolIds: [1n, 2n],
  };
}
