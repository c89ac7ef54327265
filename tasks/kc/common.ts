import { writeFileSync } from "node:fs";

import { BrowserProvider } from "ethers";
import { scope } from "hardhat/config";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";

import { type Call, type UnsentMode, renderUnsent, simulateAs } from "../../src/calldata";
import { type Contracts, getContracts, resolveSigner } from "../lib/contracts";
import {
  decodeRevertData,
  describeError,
  errorInterface,
  findRevertData,
  isExpectedError,
} from "../../src/decodeError";
import { KcError, show } from "../../src/errors";
import type { SignedRequest } from "../../src/signed";
import { toJson } from "../../src/format";
import { type ResolveName, ensResolver, resolveAddress } from "../../src/parse";
import { type ErrorKind, errorObject } from "./cli";

/** `npx hardhat kc <task>`; every task of the CLI lives in this scope. */
export const kc = scope("kc", "Knowledge Commons CLI: hash, register, show, curate and fund pools, claim");

/** Flags most tasks share. Everything is a plain string so our parsers give the error messages. */
export interface CommonArgs {
  json: boolean;
  from?: string;
  registry?: string;
  pools?: string;
  deploymentId?: string;
}

export interface Ctx {
  hre: HardhatRuntimeEnvironment;
  json: boolean;
  /** A line of the human-readable report (stdout, text mode only). */
  say(line?: string): void;
  /** Progress and notes (stderr, both modes, so `--json` stdout stays one JSON object). */
  status(message: string): void;
}

/** Whether this process is `hardhat kc <name>` on the command line, rather than a test or script calling it. */
function isCliEntry(name: string): boolean {
  const argv = process.argv;
  return argv.some((arg, i) => arg === "kc" && argv[i + 1] === name);
}

/**
 * Defines `kc <name>`. The action returns the JSON result; errors become one line on stderr and a
 * non-zero exit code without Hardhat's stack-trace banner. Called from code (tests, scripts), the
 * task throws a KcError with that same line instead.
 */
export function kcTask<A extends CommonArgs>(
  name: string,
  description: string,
  options: { chain?: boolean; signer?: boolean },
  configure: (task: ConfigurableTaskDefinition) => ConfigurableTaskDefinition,
  action: (args: A, ctx: Ctx) => Promise<unknown>,
): void {
  let task = kc.task(name, description).addFlag("json", "Print one JSON object instead of text");
  if (options.signer) {
    task = task.addOptionalParam(
      "from",
      "Sending account: an index into the network's accounts or an address",
    );
  }
  if (options.chain) {
    task = task
      .addOptionalParam(
        "registry",
        "KnowledgeRegistry address (default: env KC_REGISTRY, else the deployment)",
      )
      .addOptionalParam("pools", "RewardPools address (default: env KC_POOLS, else the deployment)")
      .addOptionalParam(
        "deploymentId",
        "Ignition deployment id (default: env KC_DEPLOYMENT_ID, else chain-<id>)",
      );
  }
  configure(task).setAction(async (args: A, hre: HardhatRuntimeEnvironment) => {
    const ctx: Ctx = {
      hre,
      json: Boolean(args.json),
      say: (line = "") => {
        if (!args.json) process.stdout.write(`${line}\n`);
      },
      status: (message) => process.stderr.write(`${message}\n`),
    };
    try {
      const result = await action(args, ctx);
      if (args.json) process.stdout.write(`${toJson(result)}\n`);
      return result;
    } catch (err) {
      const line = describeError(err, errorInterface());
      if (!isCliEntry(name)) throw err instanceof KcError ? err : new KcError(line, { cause: err });
      process.stderr.write(`error: ${line}\n`);
      if (args.json) process.stdout.write(`${toJson(errorJson(err, line))}\n`);
      // Bugs keep their stack trace; user errors stay one line.
      if (!isExpectedError(err) || process.argv.includes("--show-stack-traces")) console.error(err);
      process.exitCode = 1;
    }
  });
}

/** What a failing task prints on stdout under `--json`: the line, its kind, and a decoded revert. */
function errorJson(err: unknown, line: string) {
  const data = findRevertData(err);
  if (data !== undefined) {
    const decoded = decodeRevertData(data, errorInterface());
    return errorObject(line, "revert", {
      revert: { name: decoded?.name ?? null, text: decoded?.text ?? null, hint: decoded?.hint ?? null, data },
    });
  }
  return errorObject(line, errorKind(err));
}

function errorKind(err: unknown): ErrorKind {
  if (err instanceof KcError) return "input";
  if (!isExpectedError(err) || err instanceof TypeError || err instanceof RangeError) return "internal";
  const e = err as { _isHardhatError?: boolean; _isHardhatPluginError?: boolean };
  return e._isHardhatError || e._isHardhatPluginError ? "config" : "network";
}

/** Contracts bound to the sending account (`--from`), for tasks that send transactions. */
export async function contractsFor(
  args: CommonArgs,
  hre: HardhatRuntimeEnvironment,
  withSigner: boolean,
): Promise<Contracts & { signer?: Awaited<ReturnType<typeof resolveSigner>>; account?: string }> {
  const signer = withSigner ? await resolveSigner(hre, args.from) : undefined;
  const contracts = await getContracts(hre, {
    registry: args.registry,
    pools: args.pools,
    deploymentId: args.deploymentId,
    signer,
  });
  return { ...contracts, signer, account: signer ? await signer.getAddress() : undefined };
}

/**
 * ENS lookups on the current network. hardhat-ethers' provider implements none, so this goes through
 * ethers' own provider over the same connection; on a chain without ENS it says so in one line.
 */
export function ensOf(hre: HardhatRuntimeEnvironment): ResolveName {
  let resolver: ResolveName | undefined;
  return (name) => (resolver ??= ensResolver(new BrowserProvider(hre.network.provider)))(name);
}

/** An address flag: `0x…`, or an ENS name where the network has ENS. */
export function addressArg(
  hre: HardhatRuntimeEnvironment,
  text: string,
  what: string,
  options: { nonZero?: boolean } = {},
): Promise<string> {
  return resolveAddress(text, what, ensOf(hre), options);
}

/** A value as a shell word: as is when safe, else single-quoted. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * A `npx hardhat kc <task> <flags>` line to suggest as the next step, carrying what this run was
 * given that the next one needs too: `--network`, `--registry`, `--pools`, `--deployment-id`, and the
 * sending account (`from`, default this run's `--from`).
 */
export function nextCommand(
  hre: HardhatRuntimeEnvironment,
  args: CommonArgs,
  task: string,
  flags: string,
  options: { from?: string } = {},
): string {
  const carried: [string, string | undefined][] = [
    ["--registry", args.registry],
    ["--pools", args.pools],
    ["--deployment-id", args.deploymentId],
    ["--from", options.from ?? args.from],
    ["--network", hre.network.name],
  ];
  const extra = carried
    .filter(([, value]) => value !== undefined && value.trim() !== "")
    .map(([flag, value]) => `${flag} ${shellWord(value!.trim())}`);
  return ["npx hardhat kc", task, flags, ...extra].filter(Boolean).join(" ");
}

/** A required option: a clear line instead of Hardhat's usage error. */
export function required(value: string | undefined, flag: string, example: string): string {
  if (value === undefined || value.trim() === "")
    throw new KcError(`missing --${flag} (e.g. --${flag} ${example})`);
  return value;
}

/** A pool id: a whole number from 1. */
export function parsePoolId(s: string): bigint {
  return parseId(s, "pool id");
}

/** An id (pool, change) that starts at 1. */
export function parseId(s: string, what: string): bigint {
  const text = s.trim();
  if (!/^\d+$/.test(text) || BigInt(text) === 0n) {
    throw new KcError(`${what} must be a whole number from 1: ${show(s)}`);
  }
  return BigInt(text);
}

/** A pool weight: a whole number in 1..2^32-1 (stored as uint32). */
export function parseWeight(s: string): number {
  const text = s.trim();
  if (!/^\d+$/.test(text) || BigInt(text) === 0n || BigInt(text) > 0xffff_ffffn) {
    throw new KcError(`weight must be a whole number from 1 to 4294967295: ${show(s)}`);
  }
  return Number(text);
}

/** Aligned `key  value` lines. */
export function keyValues(pairs: [string, string | number | bigint | boolean][]): string[] {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`);
}

/** `--calldata` / `--safe`: curator actions print what to propose instead of sending it. */
export interface UnsentArgs {
  calldata: boolean;
  safe: boolean;
}

export function addUnsentFlags(task: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return task
    .addFlag("calldata", "Print the transaction as {to, value, data} instead of sending it")
    .addFlag("safe", "Print a Safe Transaction Builder batch (JSON to import) instead of sending");
}

/** Which unsent output was asked for, if any. */
export function unsentMode(args: UnsentArgs): UnsentMode | undefined {
  if (args.calldata && args.safe) throw new KcError("give --calldata or --safe, not both");
  return args.calldata ? "calldata" : args.safe ? "safe" : undefined;
}

/**
 * Simulates `calls` as `from` (the curator, scorer, … the contract requires) and prints them in `mode`
 * instead of sending; returns what `--json` prints. Nothing is sent.
 */
export async function proposeInstead(
  ctx: Ctx,
  mode: UnsentMode,
  from: string,
  calls: Call[],
  description: string,
): Promise<unknown> {
  const provider = ctx.hre.ethers.provider;
  await simulateAs(provider, from, calls);
  const { chainId } = await provider.getNetwork();
  const { json, text } = renderUnsent(mode, chainId, from, calls, description);
  ctx.say(text);
  ctx.status(`not sent: ${description}; to be sent by ${from}`);
  return json;
}

/** A signed request: written to `out` (and said so), or printed as the report when there is no file. */
export function writeRequest(request: SignedRequest, out: string | undefined, say: (line?: string) => void) {
  const text = `${JSON.stringify(request, null, 2)}\n`;
  if (out === undefined || out.trim() === "") {
    say(text.trimEnd());
    return request;
  }
  try {
    writeFileSync(out, text);
  } catch (err) {
    throw new KcError(
      `cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  say(`Signed ${request.function} as ${request.signer}; wrote ${out}`);
  say(`  valid until: ${new Date(Number(request.message.deadline) * 1000).toISOString()}`);
  say(`  relay it with: npx hardhat kc relay ${out} --network <network>`);
  return { ...request, out };
}

/** `--max-per-tx`: the most gas one transaction may use; undefined for the default (EIP-7825's cap). */
export function parseMaxPerTx(s: string | undefined): bigint | undefined {
  if (s === undefined) return undefined;
  const text = s.trim().replace(/_/g, "");
  if (!/^\d+$/.test(text) || BigInt(text) < 21_000n) {
    throw new KcError(`--max-per-tx must be a whole number of gas from 21000: ${show(s)}`);
  }
  return BigInt(text);
}

/** `tx 0x… (block n, gas g): label` for a sent step of a plan. */
export function txLine(step: { hash: string; blockNumber: number; gasUsed: bigint; label: string }): string {
  return `tx ${step.hash} (block ${step.blockNumber}, gas ${step.gasUsed}): ${step.label}`;
}

/** A sent step for `--json`. */
export function txJson(step: { hash: string; blockNumber: number; gasUsed: bigint; label: string }) {
  return { hash: step.hash, blockNumber: step.blockNumber, gasUsed: step.gasUsed, label: step.label };
}
