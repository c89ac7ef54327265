import { ZeroAddress, formatUnits, getAddress, isAddress, parseUnits } from "ethers";

import { KcError, show } from "./errors";

/**
 * Validation of CLI input. Each function returns the value in the form the contracts take, or throws a
 * KcError whose one-line message names the bad value, so nothing is sent on-chain with bad input.
 */

export interface Contributor {
  account: string;
  share: bigint;
}

/** Artifact kinds in the order of the on-chain enum: `KINDS[n]` is the name of kind `n`. */
export const KINDS = ["dataset", "model", "agent", "code", "prompt", "document", "other"] as const;
export type KindName = (typeof KINDS)[number];

/** Largest contributor share: shares are stored as uint32. */
export const MAX_SHARE = 0xffff_ffffn;
/** 100% in basis points. */
export const MAX_BPS = 10_000;

const DURATION_UNITS: Record<string, bigint> = { s: 1n, m: 60n, h: 3_600n, d: 86_400n, w: 604_800n };

/**
 * A checksummed address. Mixed case must carry a valid EIP-55 checksum (a typo is caught); all-lower
 * or all-upper case skips the check. `what` names the value in errors ("curator", "token", …).
 */
export function parseAddress(s: string, what = "address", options: { nonZero?: boolean } = {}): string {
  const text = s.trim();
  // Stricter than ethers: it would also take a missing 0x prefix and ICAP "XE…" addresses.
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) {
    throw new KcError(`${what} is not an address (expected 0x followed by 40 hex digits): ${show(s)}`);
  }
  if (!isAddress(text)) {
    throw new KcError(
      `${what} has a bad checksum, check for a typo (all lowercase skips the check): ${text}`,
    );
  }
  const address = getAddress(text);
  if (options.nonZero && address === ZeroAddress) throw new KcError(`${what} must not be the zero address`);
  return address;
}

/** A `bytes32` digest: `0x` + 64 hex digits, returned in lowercase. */
export function parseDigest(s: string, what = "digest"): string {
  const text = s.trim();
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase();
  let hint = "";
  if (/^[0-9a-fA-F]{64}$/.test(text)) hint = " (missing the 0x prefix?)";
  else if (/^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{50,})$/.test(text))
    hint = " (that looks like a CID; pass it as a CID)";
  throw new KcError(`${what} is not a digest (expected 0x followed by 64 hex digits): ${show(s)}${hint}`);
}

/** Comma-separated digests, e.g. parents; an empty string is an empty list. */
export function parseDigestList(s: string, what = "digest"): string[] {
  if (s.trim() === "") return [];
  const seen = new Set<string>();
  return s.split(",").map((item) => {
    if (item.trim() === "") throw new KcError(`empty ${what} in list: ${show(s)}`);
    const digest = parseDigest(item, what);
    if (seen.has(digest)) throw new KcError(`${what} listed twice: ${digest}`);
    seen.add(digest);
    return digest;
  });
}

/** `0xabc…:60,0xdef…:40`: distinct non-zero accounts, each with a whole share in 1..2^32-1. */
export function parseContributors(s: string, options: { max?: number } = {}): Contributor[] {
  if (s.trim() === "") throw new KcError("no contributors given (expected address:share,address:share,…)");
  const seen = new Set<string>();
  const contributors = s.split(",").map((item) => {
    if (item.trim() === "") throw new KcError(`empty contributor in list: ${show(s)}`);
    const parts = item.split(":");
    if (parts.length !== 2)
      throw new KcError(`contributor must be written address:share, got ${show(item.trim())}`);
    const account = parseAddress(parts[0], "contributor", { nonZero: true });
    const shareText = parts[1].trim();
    if (!/^\d+$/.test(shareText)) {
      throw new KcError(`share of ${account} is not a whole number: ${show(parts[1])}`);
    }
    const share = BigInt(shareText);
    if (share === 0n) throw new KcError(`share of ${account} must be greater than zero`);
    if (share > MAX_SHARE)
      throw new KcError(`share of ${account} is too large (max ${MAX_SHARE}): ${shareText}`);
    if (seen.has(account)) throw new KcError(`contributor listed twice: ${account}`);
    seen.add(account);
    return { account, share };
  });
  if (options.max !== undefined && contributors.length > options.max) {
    throw new KcError(`too many contributors: ${contributors.length} (at most ${options.max})`);
  }
  return contributors;
}

/** A kind name (case-insensitive) to its on-chain enum value. */
export function parseKind(s: string): number {
  const index = (KINDS as readonly string[]).indexOf(s.trim().toLowerCase());
  if (index < 0) throw new KcError(`unknown kind ${show(s)} (expected one of ${KINDS.join(", ")})`);
  return index;
}

/** The name of an on-chain kind value, e.g. as returned by a contract view. */
export function kindName(n: number | bigint): KindName {
  const name = KINDS[Number(n)];
  if (name === undefined) throw new KcError(`unknown kind value: ${n}`);
  return name;
}

/** `45s`, `90m`, `12h`, `30d`, `2w` or plain seconds, to a positive number of seconds. */
export function parseDuration(s: string, options: { zero?: boolean } = {}): bigint {
  const match = /^(\d+)([smhdw]?)$/.exec(s.trim());
  if (!match) {
    throw new KcError(`not a duration: ${show(s)} (use e.g. 45s, 90m, 12h, 30d, 2w or plain seconds)`);
  }
  const seconds = BigInt(match[1]) * DURATION_UNITS[match[2] || "s"];
  if (seconds === 0n && !options.zero) throw new KcError(`duration must be longer than zero: ${show(s)}`);
  return seconds;
}

/** A decimal token amount (`1.5`) to base units for a token with `decimals` decimals. */
export function parseAmount(s: string, decimals: number): bigint {
  checkDecimals(decimals);
  const text = s.trim();
  if (text.startsWith("-")) throw new KcError(`amount must not be negative: ${show(s)}`);
  const match = /^(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[1] === "" && !match[2])) {
    throw new KcError(`not an amount: ${show(s)} (expected a decimal number like 1.5)`);
  }
  const fraction = match[2] ?? "";
  if (fraction.length > decimals) {
    throw new KcError(`amount ${text} has more than ${decimals} decimals, the token's precision`);
  }
  return parseUnits(`${match[1] || "0"}.${fraction || "0"}`, decimals);
}

/** Base units to a decimal string without a trailing `.0`, e.g. `1.5 KC`; `parseAmount` reads it back. */
export function formatAmount(value: bigint, decimals: number, symbol?: string): string {
  checkDecimals(decimals);
  const text = formatUnits(value, decimals).replace(/\.0$/, "");
  return symbol ? `${text} ${symbol}` : text;
}

/** `20%`, `12.5%` (at most 2 decimals) or raw basis points `2000`, to basis points in 0..10000. */
export function parseBps(s: string): number {
  const text = s.trim();
  let bps: number;
  const percent = /^(\d+)(?:\.(\d+))?%$/.exec(text);
  if (percent) {
    const fraction = percent[2] ?? "";
    if (fraction.length > 2) throw new KcError(`${text} has more than 2 decimals (1 basis point is 0.01%)`);
    bps = Number(percent[1]) * 100 + Number(fraction.padEnd(2, "0"));
  } else if (/^\d+$/.test(text)) {
    bps = Number(text);
  } else {
    throw new KcError(`not a percentage or basis points: ${show(s)} (use e.g. 20% or 2000)`);
  }
  if (!(bps <= MAX_BPS)) throw new KcError(`${text} is more than 100% (${MAX_BPS} basis points)`);
  return bps;
}

function checkDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 255) {
    throw new KcError(`token decimals must be a whole number from 0 to 255, got ${decimals}`);
  }
}
