import { parse as parseCsv } from "csv-parse/sync";
import { type Provider, ZeroAddress, formatUnits, getAddress, isAddress, parseUnits } from "ethers";
import ms from "ms";

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

/** A contributor as the user wrote it, before its account and share are checked. */
export interface ContributorEntry {
  /** An address or, where the network has ENS, a name. */
  account: string;
  /** A whole number (relative to the others) or a percentage such as `60%` or `12.5%`. */
  share: string;
  /** Where it was written, e.g. `team.csv line 3`, to prefix errors with. */
  where?: string;
}

/** Splits `0xabc…:60,alice.eth:40` into entries; the values are checked by {@link resolveContributors}. */
export function contributorEntries(s: string): ContributorEntry[] {
  if (s.trim() === "") throw new KcError("no contributors given (expected address:share,address:share,…)");
  return s.split(",").map((item) => {
    if (item.trim() === "") throw new KcError(`empty contributor in list: ${show(s)}`);
    const parts = item.split(":");
    if (parts.length !== 2)
      throw new KcError(`contributor must be written address:share, got ${show(item.trim())}`);
    return { account: parts[0].trim(), share: parts[1].trim() };
  });
}

/**
 * Contributors from CSV text: one `address,share` row per contributor; an optional header row naming
 * the columns (`address`, `share`, in any order, other columns ignored); `#` comments and blank lines
 * are skipped. `source` (the file name) prefixes every error with the line it is about.
 */
export function contributorEntriesFromCsv(text: string, source: string): ContributorEntry[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      comment: "#",
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      info: true,
    }) as unknown as typeof records;
  } catch (err) {
    throw new KcError(`${source}: ${(err as Error).message.split("\n")[0]}`);
  }
  if (records.length === 0)
    throw new KcError(`${source} lists no contributors (expected address,share rows)`);
  let [accountColumn, shareColumn] = [0, 1];
  const header = records[0].record.map((cell) => cell.toLowerCase());
  const hasHeader = header.includes("address") || header.includes("share");
  if (hasHeader) {
    [accountColumn, shareColumn] = [header.indexOf("address"), header.indexOf("share")];
    if (accountColumn < 0 || shareColumn < 0) {
      throw new KcError(`${source}: the header needs an address and a share column, got ${header.join(",")}`);
    }
    records = records.slice(1);
    if (records.length === 0) throw new KcError(`${source} lists no contributors below its header`);
  }
  return records.map(({ record, info }) => {
    const where = `${source} line ${info.lines}`;
    if (!hasHeader && record.length !== 2) {
      throw new KcError(`${where}: expected 2 columns (address,share), got ${record.length}`);
    }
    const [account, share] = [record[accountColumn], record[shareColumn]];
    if (account === undefined || share === undefined || account === "" || share === "")
      throw new KcError(`${where}: missing address or share`);
    return { account, share, where };
  });
}

/**
 * Shares as the contracts take them (whole numbers, relative to each other). Plain numbers pass as
 * they are (1..2^32-1). Percentages (`60%`, `12.5%`, at most 2 decimals) must all be percentages, each
 * above 0% and at most 100%, adding up to exactly 100%; they become basis points divided by their
 * greatest common divisor (`60%,40%` → 3, 2).
 */
export function parseShares(shares: readonly string[], names: readonly string[] = []): bigint[] {
  const name = (i: number) => names[i] ?? `contributor ${i + 1}`;
  // Errors about one share carry its index, so a CSV reader can name the line.
  const fail = (i: number, message: string) => Object.assign(new KcError(message), { index: i });
  const percent = shares.map((share) => share.trim().endsWith("%"));
  if (percent.some(Boolean) && !percent.every(Boolean)) {
    throw new KcError("shares mix percentages and plain numbers: write all of them with % or none");
  }
  if (!percent.some(Boolean)) {
    return shares.map((text, i) => {
      const share = text.trim();
      if (!/^\d+$/.test(share)) throw fail(i, `share of ${name(i)} is not a whole number: ${show(text)}`);
      const value = BigInt(share);
      if (value === 0n) throw fail(i, `share of ${name(i)} must be greater than zero`);
      if (value > MAX_SHARE) throw fail(i, `share of ${name(i)} is too large (max ${MAX_SHARE}): ${share}`);
      return value;
    });
  }
  const bps = shares.map((text, i) => {
    const share = text.trim();
    const match = /^(\d+)(?:\.(\d+))?%$/.exec(share);
    if (!match) throw fail(i, `share of ${name(i)} is not a percentage: ${show(text)}`);
    const fraction = match[2] ?? "";
    if (fraction.length > 2)
      throw new KcError(
        `share of ${name(i)} has more than 2 decimals (the smallest step is 0.01%): ${share}`,
      );
    const value = BigInt(match[1]) * 100n + BigInt(fraction.padEnd(2, "0") || "0");
    if (value === 0n) throw fail(i, `share of ${name(i)} must be greater than zero: ${share}`);
    if (value > BigInt(MAX_BPS)) throw fail(i, `share of ${name(i)} is more than 100%: ${share}`);
    return value;
  });
  const total = bps.reduce((sum, v) => sum + v, 0n);
  if (total !== BigInt(MAX_BPS)) {
    throw new KcError(`shares add up to ${formatBpsTotal(total)}, not 100%`);
  }
  const divisor = bps.reduce(gcd);
  return bps.map((v) => v / divisor);
}

function formatBpsTotal(bps: bigint): string {
  const whole = bps / 100n;
  const fraction = (bps % 100n).toString().padStart(2, "0").replace(/0+$/, "");
  return `${whole}${fraction ? `.${fraction}` : ""}%`;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Resolves an ENS name to an address, or null when the name has none. */
export type ResolveName = (name: string) => Promise<string | null>;

/** Whether `text` is written as an ENS name (`alice.eth`, `team.example.xyz`) rather than an address. */
export function isEnsName(text: string): boolean {
  const t = text.trim();
  return !/^0x/i.test(t) && /^[^\s.:,/@]+(\.[^\s.:,/@]+)+$/u.test(t);
}

/**
 * ENS lookups through an ethers provider. On a chain ethers knows no ENS deployment for (a local node,
 * most L2s) it fails with "no ENS on this network" rather than a provider error.
 */
export function ensResolver(provider: Pick<Provider, "getNetwork" | "resolveName">): ResolveName {
  return async (name) => {
    const network = await provider.getNetwork();
    if (!network.getPlugin("org.ethers.plugins.network.Ens")) {
      throw new KcError(`no ENS on this network (chain ${network.chainId})`);
    }
    return provider.resolveName(name);
  };
}

/**
 * An address written as `0x…` (see {@link parseAddress}) or, given `resolve`, as an ENS name. Errors
 * are one line naming `what`.
 */
export async function resolveAddress(
  text: string,
  what: string,
  resolve: ResolveName | undefined,
  options: { nonZero?: boolean } = {},
): Promise<string> {
  if (!isEnsName(text)) return parseAddress(text, what, options);
  const name = text.trim();
  if (!resolve) throw new KcError(`${what} ${name} is an ENS name; give a 0x address here`);
  let address: string | null;
  try {
    address = await resolve(name);
  } catch (err) {
    const reason =
      err instanceof KcError ? err.message : ((err as Error).message ?? String(err)).split("\n")[0];
    throw new KcError(`${what} ${name}: ${reason}; give a 0x address instead`);
  }
  if (!address) throw new KcError(`${what} ${name}: the ENS name has no address set`);
  return parseAddress(address, `${what} ${name}`, options);
}

/**
 * Checks contributor entries: accounts (addresses, or ENS names through `resolve`), distinct and
 * non-zero; shares through {@link parseShares}. An entry's `where` prefixes its errors.
 */
export async function resolveContributors(
  entries: readonly ContributorEntry[],
  options: { max?: number; resolve?: ResolveName } = {},
): Promise<Contributor[]> {
  const seen = new Set<string>();
  const accounts: string[] = [];
  for (const entry of entries) {
    const account = await located(entry, () =>
      resolveAddress(entry.account, "contributor", options.resolve, { nonZero: true }),
    );
    if (seen.has(account))
      await located(entry, () => Promise.reject(new KcError(`contributor listed twice: ${account}`)));
    seen.add(account);
    accounts.push(account);
  }
  return finishContributors(entries, accounts, options.max);
}

function finishContributors(
  entries: readonly ContributorEntry[],
  accounts: string[],
  max: number | undefined,
): Contributor[] {
  const names = entries.map((e, i) =>
    isEnsName(e.account) ? `${e.account.trim()} (${accounts[i]})` : accounts[i],
  );
  let shares: bigint[];
  try {
    shares = parseShares(
      entries.map((e) => e.share),
      names,
    );
  } catch (err) {
    const index = (err as { index?: number }).index;
    const where = index === undefined ? entries[0]?.where?.replace(/ line \d+$/, "") : entries[index].where;
    throw err instanceof KcError && where ? new KcError(`${where}: ${err.message}`) : err;
  }
  if (max !== undefined && entries.length > max) {
    throw new KcError(`too many contributors: ${entries.length} (at most ${max})`);
  }
  return accounts.map((account, i) => ({ account, share: shares[i] }));
}

async function located<T>(entry: ContributorEntry, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    throw err instanceof KcError && entry.where ? new KcError(`${entry.where}: ${err.message}`) : err;
  }
}

/**
 * `0xabc…:60,0xdef…:40` or `…:60%,…:40%`: distinct non-zero addresses, shares as {@link parseShares}
 * takes them. Synchronous, so addresses only; {@link resolveContributors} also takes ENS names.
 */
export function parseContributors(s: string, options: { max?: number } = {}): Contributor[] {
  const entries = contributorEntries(s);
  const seen = new Set<string>();
  const accounts = entries.map((entry) => {
    const account = parseAddress(entry.account, "contributor", { nonZero: true });
    if (seen.has(account)) throw new KcError(`contributor listed twice: ${account}`);
    seen.add(account);
    return account;
  });
  return finishContributors(entries, accounts, options.max);
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

/**
 * A duration to whole seconds: plain seconds (`3600`), or a number and a unit as the `ms` package
 * reads them: `90s`, `45m`, `1.5h`, `3 days`, `2w`, `1y` (365.25 days). Fractions must come to whole
 * seconds; zero only with `zero`.
 */
export function parseDuration(s: string, options: { zero?: boolean } = {}): bigint {
  const text = s.trim();
  const example = "use e.g. 90s, 45m, 1.5h, 3 days, 2w, 1y or plain seconds";
  let seconds: bigint;
  if (/^\d+$/.test(text)) {
    seconds = BigInt(text);
  } else {
    if (text.startsWith("-")) throw new KcError(`duration must not be negative: ${show(s)}`);
    if (/^\d*\.\d+$/.test(text))
      throw new KcError(`a fractional duration needs a unit: ${show(s)} (${example})`);
    // ms reads "1.5" as milliseconds and takes units we do not want (ms); require a number and a unit.
    const millis =
      /^(\d+(\.\d+)?|\.\d+)\s*[a-z]+$/i.test(text) && !/\d\s*(ms|msecs?|milliseconds?)$/i.test(text)
        ? ms(text as ms.StringValue)
        : undefined;
    if (typeof millis !== "number" || !Number.isFinite(millis)) {
      throw new KcError(`not a duration: ${show(s)} (${example})`);
    }
    const rounded = Math.round(millis);
    if (rounded % 1000 !== 0) throw new KcError(`duration ${text} is not a whole number of seconds`);
    seconds = BigInt(rounded / 1000);
  }
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
