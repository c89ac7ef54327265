import { ErrorFragment, Interface, type JsonFragment, type Result, getAddress, isError } from "ethers";

import {
  communityTokenAbi,
  dependencyErrorsAbi,
  knowledgeRegistryAbi,
  rewardPoolsAbi,
  scoredProgramsAbi,
} from "./abi";
import { KcError } from "./errors";

/**
 * Turns whatever a task caught into one readable line: our KcErrors as they are, contract reverts
 * decoded against every ABI the suite can revert with (`ArtifactExists(digest=0x…, owner=0x…)`) plus
 * a hint, and provider, network and Hardhat errors reduced to their first line.
 */

/** Standard token errors, so a token we did not compile still decodes (the selectors are fixed by ERC-6093). */
const FALLBACK_ERRORS = [
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error ERC20InvalidSender(address sender)",
  "error ERC20InvalidReceiver(address receiver)",
  "error SafeERC20FailedOperation(address token)",
  "error InvalidAccountNonce(address account, uint256 currentNonce)",
  "error ERC2612ExpiredSignature(uint256 deadline)",
  "error ERC2612InvalidSigner(address signer, address owner)",
];

const PANIC_REASONS: Record<number, string> = {
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division by zero",
  0x21: "invalid enum value",
  0x22: "bad storage byte array",
  0x31: "pop on an empty array",
  0x32: "array index out of bounds",
  0x41: "out of memory",
  0x51: "call to an uninitialised function",
};

const when = (seconds: unknown) => {
  const n = Number(seconds);
  return Number.isFinite(n) && n > 0 && n < 1e11
    ? new Date(n * 1000).toISOString().replace(".000Z", "Z")
    : "?";
};

/** A short human hint per error name: what it means for the user and what to do. */
const HINTS: Record<string, (a: Result) => string> = {
  ZeroDigest: () => "the digest must not be zero",
  ArtifactExists: (a) => `this content is already registered by ${a[1]}; see kc show ${a[0]}`,
  UnknownArtifact: () => "no artifact has this digest; register it first or check the digest",
  NoContributors: () => "give at least one contributor",
  TooManyContributors: (a) => `at most ${a[1]} contributors`,
  ZeroContributor: () => "a contributor is the zero address",
  ZeroShare: () => "every share must be greater than zero",
  DuplicateContributor: () => "list each contributor once",
  SharesOverflow: () => "the shares add up to more than 4294967295; use smaller numbers",
  TooManyParents: (a) => `at most ${a[1]} parents`,
  UnknownParent: () => "register the parent first",
  DuplicateParent: () => "list each parent once",
  InvalidBps: () => "basis points go from 0 to 10000 (100%)",
  UpstreamWithoutParents: () => "an upstream share needs --parents to receive it",
  UpstreamBelowParentMinimum: (a) =>
    `that parent asks derivatives for at least ${Number(a[1]) / 100}% upstream`,
  MinUpstreamBelowParent: (a) =>
    `that parent asks at least ${Number(a[1]) / 100}% of derivatives, so this artifact must ask as much of its own (--min-upstream)`,
  URITooLong: (a) => `the URI may have at most ${a[1]} bytes`,
  NotArtifactOwner: () => "only the artifact's owner may do this; use --from with the owner's account",
  AlreadyRetracted: () => "it was retracted before",
  VersionExists: (a) => `that version already has a next version, ${a[1]}`,
  VersionMustExtendPrevious: () => "a new version's first parent must be the previous version",
  UnknownSlot: () => "the artifact has no such contributor slot",
  NotSlotHolder: () => "that contributor slot belongs to another account",
  AlreadyContributor: () => "that account already holds a slot of this artifact",
  CommitmentNotFound: () => "commit first (kc register does this for you)",
  CommitmentTooNew: (a) => `the commitment can be revealed from ${when(a[1])}`,
  CommitmentExpired: (a) => `the commitment expired at ${when(a[1])}; register again to commit anew`,
  CommitmentPending: (a) => `an identical commitment is pending until ${when(a[1])}; reuse its secret`,
  CommitmentUsed: () => "that commitment was already revealed",
  CommitRevealDisabled: () => "this deployment registers directly, without commit-reveal",
  SignatureExpired: (a) => `the signed request expired at ${when(a[0])}`,
  InvalidSignature: () => "the signature does not match the request and signer",
  UnknownPool: () => "no pool has this id; see the PoolCreated output of kc pool-create",
  InvalidToken: () => "the token address has no contract code on this network",
  InvalidCurator: () => "the curator must not be the zero address",
  NotCurator: () => "only the pool's curator may do this; use --from with the curator's account",
  NotPendingCurator: () => "only the proposed curator may accept",
  ArtifactNotRegistered: () => "register the artifact before admitting it",
  ArtifactIsRetracted: () => "a retracted artifact cannot be admitted",
  AlreadyMember: () => "it is already in the pool; change its weight with kc pool-weight",
  NotMember: () => "it is not in the pool; admit it with kc pool-admit",
  ZeroWeight: () => "the weight must be at least 1",
  ZeroAmount: () => "the amount must be greater than zero",
  ZeroDuration: () => "the stream needs a duration greater than zero",
  DurationTooLong: () => "a stream lasts at most 5 years",
  CurationDelayTooLong: () => "the curation delay is at most 30 days",
  LengthMismatch: (a) => `${a[0]} artifacts but ${a[1]} weights`,
  EmptyChange: () => "a curation change needs at least one artifact",
  UnknownChange: () => "no pending change has this id (executed or cancelled already?); see kc pool-changes",
  ChangeNotDue: (a) => `the change can be executed from ${when(a[1])}`,
  AccrualBehind: () => "more stream ends are due than one call processes; run kc accrue first",
  UnknownStream: () => "you fund no cancelable stream with this id in this pool; see kc pool-streams",
  StreamEnded: (a) => `the stream ended at ${when(a[1])}; nothing is left to cancel`,
  InvalidLevels: () => "settle goes 1 to 8 lineage levels",
  PoolCapacityExceeded: () => "the pool cannot take that much more of this token",
  InvalidNonce: (a) => `the signed claim's nonce is stale; the current nonce is ${a[1]}`,
  NonceNotIncreased: (a) => `the nonce is already ${a[0]}; choose a larger one`,
  NothingReceived: () => "the token transfer delivered nothing to the pool",
  // The pools' error has 2 arguments, the programs' 4 (cumulative amount and claimed so far).
  NothingToClaim: (a) =>
    a.length === 4
      ? `the proof's cumulative amount ${a[2]} is all claimed already (${a[3]} base units)`
      : "nothing has accrued for these artifacts yet",
  NotContributor: () => "that account holds no such contributor slot",
  InvalidRecipient: () => "the recipient must not be the zero address",
  ERC20InsufficientBalance: (a) => `${a[0]} holds ${a[1]} base units, needs ${a[2]}`,
  ERC20InsufficientAllowance: (a) => `allowance is ${a[1]} base units, needs ${a[2]}; approve first`,
  SafeERC20FailedOperation: () => "the token refused the transfer",
  InvalidAccountNonce: (a) => `the request's nonce is stale; the current nonce is ${a[1]}`,
  ERC2612ExpiredSignature: () => "the permit signature expired",
  ERC2612InvalidSigner: () => "the permit was signed by another account",
  ReentrancyGuardReentrantCall: () => "a token called back into the pools contract",
};

/** One Interface holding every error fragment of `abis`, deduplicated by selector. */
export function errorInterfaceFrom(abis: readonly (readonly (JsonFragment | string)[])[]): Interface {
  const bySelector = new Map<string, ErrorFragment>();
  for (const abi of [...abis, FALLBACK_ERRORS]) {
    for (const fragment of new Interface(abi as JsonFragment[]).fragments) {
      if (fragment instanceof ErrorFragment && !bySelector.has(fragment.selector)) {
        bySelector.set(fragment.selector, fragment);
      }
    }
  }
  return new Interface([...bySelector.values()]);
}

let cached: Interface | undefined;

/**
 * Every error a call into the suite can revert with: our contracts' and those of the OpenZeppelin code
 * they use (from the generated `src/abi/`, so no Hardhat is needed), plus the standard token errors.
 */
export function errorInterface(): Interface {
  cached ??= errorInterfaceFrom([
    knowledgeRegistryAbi,
    rewardPoolsAbi,
    scoredProgramsAbi,
    communityTokenAbi,
    dependencyErrorsAbi,
  ] as unknown as JsonFragment[][]);
  return cached;
}

export interface DecodedRevert {
  name: string;
  /** `ArtifactExists(digest=0x…, owner=0x…)`, `Error("…")` or `Panic(0x11)`. */
  text: string;
  hint?: string;
  args: Result | undefined;
}

function formatValue(value: unknown): string {
  if (typeof value === "string") {
    if (/^0x[0-9a-fA-F]{40}$/.test(value)) return getAddress(value);
    return value;
  }
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  return String(value);
}

/** Decode revert data (`0x` + selector + arguments); undefined if it is not revert data we know. */
export function decodeRevertData(data: string, iface: Interface): DecodedRevert | undefined {
  if (!/^0x[0-9a-fA-F]{8}/.test(data)) return undefined;
  const selector = data.slice(0, 10).toLowerCase();
  try {
    if (selector === "0x08c379a0") {
      const [reason] = Interface.from(["error Error(string)"]).decodeErrorResult("Error", data);
      return { name: "Error", text: `Error(${JSON.stringify(reason)})`, args: undefined };
    }
    if (selector === "0x4e487b71") {
      const [code] = Interface.from(["error Panic(uint256)"]).decodeErrorResult("Panic", data);
      const n = Number(code);
      return {
        name: "Panic",
        text: `Panic(0x${n.toString(16).padStart(2, "0")})`,
        hint: PANIC_REASONS[n] ?? "unknown panic code",
        args: undefined,
      };
    }
    const fragment = iface.getError(selector);
    if (!fragment) return undefined;
    const args = iface.decodeErrorResult(fragment, data);
    const parts = fragment.inputs.map((input, i) => {
      const value = formatValue(args[i]);
      return input.name ? `${input.name}=${value}` : value;
    });
    return {
      name: fragment.name,
      text: `${fragment.name}(${parts.join(", ")})`,
      hint: HINTS[fragment.name]?.(args),
      args,
    };
  } catch {
    return undefined;
  }
}

/** The revert data carried somewhere inside an error from ethers, hardhat-ethers or a JSON-RPC node. */
export function findRevertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const item = queue.shift();
    if (item === null || typeof item !== "object" || seen.has(item)) continue;
    seen.add(item);
    const record = item as Record<string, unknown>;
    for (const key of ["data", "revert", "error", "info", "cause", "result", "originalError"]) {
      const value = record[key];
      if (typeof value === "string" && /^0x[0-9a-fA-F]{8}([0-9a-fA-F]{64})*$/.test(value)) return value;
      if (value && typeof value === "object") queue.push(value);
    }
    if (seen.size > 50) break;
  }
  return undefined;
}

function firstLine(text: string): string {
  return (text.split("\n").find((line) => line.trim() !== "") ?? text).trim();
}

/** One line for any error a task can meet. */
export function describeError(err: unknown, iface: Interface = errorInterface()): string {
  if (err instanceof KcError) return firstLine(err.message);
  const data = findRevertData(err);
  if (data !== undefined) {
    const decoded = decodeRevertData(data, iface);
    if (decoded) return `reverted: ${decoded.text}${decoded.hint ? ` — ${decoded.hint}` : ""}`;
    return `reverted with unknown error ${data.slice(0, 10)} (data ${data})`;
  }
  if (isError(err, "CALL_EXCEPTION")) {
    return `reverted without a reason${err.shortMessage ? ` (${err.shortMessage})` : ""}`;
  }
  if (isError(err, "INSUFFICIENT_FUNDS")) return "the sending account has too little ETH to pay for gas";
  if (isError(err, "NONCE_EXPIRED"))
    return "nonce already used: another transaction from this account got in first";
  const e = err as { code?: string; shortMessage?: string; message?: string; _isHardhatError?: boolean };
  const message = e?.shortMessage ?? e?.message ?? String(err);
  // Hardhat's messages wrap their advice onto a second line; keep it, on the same line.
  if (e?._isHardhatError) return message.replace(/\s*\n\s*/g, " ").trim();
  if (e?.code === "ECONNREFUSED" || /ECONNREFUSED|connect ECONN|fetch failed/.test(message)) {
    return `cannot reach the network's RPC endpoint (${firstLine(message)}): is the node running?`;
  }
  return firstLine(message);
}

/**
 * Whether `describeError` tells the whole story: user errors, reverts, network and Hardhat errors.
 * Anything else (a TypeError, …) is a bug whose stack trace is worth showing.
 */
export function isExpectedError(err: unknown): boolean {
  if (err instanceof KcError) return true;
  if (findRevertData(err) !== undefined) return true;
  const e = err as {
    code?: unknown;
    _isHardhatError?: boolean;
    _isHardhatPluginError?: boolean;
    name?: string;
  };
  if (e?._isHardhatError || e?._isHardhatPluginError) return true;
  if (e?.name === "ProviderError" || e?.name === "HardhatError") return true;
  return typeof e?.code === "string" || typeof e?.code === "number";
}
