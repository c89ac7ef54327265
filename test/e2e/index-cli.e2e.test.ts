import { expect } from "chai";

import { type CliNode, type Run, freePort, startCliNode } from "./harness";
import { type History, scriptedHistory } from "./history";
import { type RunningIndex, deployForIndex, startIndex } from "./indexHarness";

/**
 * `kc earnings | claimable | pools | artifacts --index <url>`: after the scripted history (lineage, two pools,
 * funds, a stream, a weight change, a settlement, a claim, a slot move, a retraction), each command prints exactly
 * what it prints without the index (text and --json), and says so in one line when the index cannot serve it.
 */
describe("kc reads with --index equal the reads from the chain's logs", function () {
  if (process.env.SOLIDITY_COVERAGE === "true") return;
  this.timeout(900_000);
  let cli: CliNode;
  let index: RunningIndex;
  let history: History;

  before(async function () {
    cli = await startCliNode("index-cli");
    const indexPort = await freePort();
    const addrs = await deployForIndex(cli, indexPort);
    const rpcUrl = (cli.provider as any)._getConnection().url as string;
    index = await startIndex({ rpcUrl, registry: addrs.registry, pools: addrs.pools, port: indexPort });
    history = await scriptedHistory(cli.provider, addrs, 3);
    await cli.provider.send("evm_increaseTime", [600]);
    await cli.provider.send("evm_mine", []);
    const latest = await cli.provider.send("eth_getBlockByNumber", ["latest", false]);
    await index.reached(Number(latest.number));
  });

  after(async function () {
    await index?.stop();
    await cli?.stop();
  });

  const ok = (run: Run, what: string) => {
    expect(run.code, `${what}:\n${run.stderr}${run.stdout}`).to.equal(0);
    return run;
  };

  /** The command without and with `--index`: same stdout, nothing on stderr but progress. */
  async function same(...args: string[]) {
    const [plain, indexed] = await Promise.all([cli.kc(...args), cli.kc(...args, "--index", index.url)]);
    ok(plain, `kc ${args.join(" ")}`);
    ok(indexed, `kc ${args.join(" ")} --index`);
    expect(indexed.stderr, "no note when the index serves").not.to.match(/note:/);
    expect(indexed.stdout).to.equal(plain.stdout);
    return plain.stdout;
  }

  it("kc earnings: every account of the history, text and --json", async function () {
    const [, alice, bob, carol, dave, eve] = history.accounts;
    for (const account of [alice, bob, carol, dave, eve]) {
      const out = await same("earnings", "--account", account);
      expect(out).to.contain(`Earnings of ${account} at block`);
    }
    const json = JSON.parse(await same("earnings", "--account", alice, "--json"));
    expect(json.pools.map((p: any) => p.poolId)).to.deep.equal(["1", "2"]);
    expect(BigInt(json.pools[0].claimable)).to.be.greaterThan(0n);
  });

  it("kc claimable: per pool and artifact, text and --json", async function () {
    const [, alice, bob, , , eve] = history.accounts;
    for (const account of [alice, bob, eve]) {
      const out = await same("claimable", "--account", account);
      expect(out).to.contain(`Pool #1: ${account} can claim`);
    }
    const json = JSON.parse(await same("claimable", "--account", bob, "--pool", "2", "--json"));
    expect(json.pools.map((p: any) => p.poolId)).to.deep.equal(["2"]);
  });

  it("kc pools, text and --json", async function () {
    expect(await same("pools")).to.match(/#1 .*\n.*#2 /s);
    const json = JSON.parse(await same("pools", "--json"));
    expect(json.pools.map((p: any) => p.poolId)).to.deep.equal(["1", "2"]);
  });

  it("kc artifacts: slots moved and retracted artifacts included", async function () {
    const [, alice, , , dave, eve] = history.accounts;
    expect(await same("artifacts", "--account", alice)).to.contain(`${alice} contributes to 4 artifact(s)`);
    expect(await same("artifacts", "--account", eve)).to.contain(`${eve} contributes to 4 artifact(s)`);
    expect(await same("artifacts", "--account", dave)).to.contain("(retracted)");
    await same("artifacts", "--account", dave, "--json");
  });

  it("KC_INDEX_URL does what --index does", async function () {
    const alice = history.accounts[1];
    const [plain, env] = await Promise.all([
      cli.kc("earnings", "--account", alice),
      cli.hardhat(["kc", "earnings", "--account", alice, "--network", "remote"], { KC_INDEX_URL: index.url }),
    ]);
    expect(ok(env, "KC_INDEX_URL").stdout).to.equal(ok(plain, "plain").stdout);
    expect(env.stderr).not.to.match(/note:/);
  });

  it("an unreachable index: one note on stderr, the same answer from the logs", async function () {
    const alice = history.accounts[1];
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const [plain, fallback] = await Promise.all([
      cli.kc("earnings", "--account", alice),
      cli.kc("earnings", "--account", alice, "--index", nowhere),
    ]);
    expect(ok(fallback, "fallback").stdout).to.equal(ok(plain, "plain").stdout);
    const notes = fallback.stderr.split("\n").filter((l) => l.startsWith("note:"));
    expect(notes).to.deep.equal([
      `note: the index at ${nowhere} did not answer (ECONNREFUSED); reading the chain's logs instead`,
    ]);
  });
});
