import { readFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";

import { type ContractTransactionReceipt, type Signer, ZeroHash, hexlify, randomBytes } from "ethers";

import type { KnowledgeRegistry } from "../typechain-types";
import { parseStatedDigest } from "./content/ref";
import { findRevertData } from "./decodeError";
import { KcError, show } from "./errors";
import { hashPath } from "./hash";
import { parseBps, parseContributors, parseKind } from "./parse";
import { parseArtifactRefs } from "./refs";
import { type RegistrationInput, checkRegistration, registrationOf } from "./register";

/**
 * Batch registration from a file: many artifacts through the registry's `multicall`, commit-reveal done for
 * all of them at once, and the calls split into transactions that fit the per-transaction gas cap.
 */

/** EIP-7825's per-transaction gas cap (2^24), which current nodes enforce. */
export const TX_GAS_CAP = 16_777_216n;

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  The file: CSV with a header line, or JSON Lines, with the columns of `kc register`
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** One row: `path` (hashed, relative to the file) or `digest` (+ `scheme`), and the registration's fields. */
export interface BatchRow {
  path?: string;
  digest?: string;
  scheme?: string;
  kind?: string;
  uri?: string;
  /** `address:share` pairs, separated by `,` or `;`. */
  contributors?: string;
  /** Digests or CIDs, separated by `,` or `;`; may name artifacts earlier in the same file. */
  parents?: string;
  upstream?: string;
  min_upstream?: string;
}

const COLUMNS = [
  "path",
  "digest",
  "scheme",
  "kind",
  "uri",
  "contributors",
  "parents",
  "upstream",
  "min_upstream",
];

/** CSV fields of one line: commas separate, double quotes quote (`""` is a quote). */
function csvFields(line: string, where: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') ((field += '"'), i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") (fields.push(field), (field = ""));
    else field += c;
  }
  if (quoted) throw new KcError(`${where}: unclosed quote`);
  fields.push(field);
  return fields.map((f) => f.trim());
}

/** The rows of a `.csv` (header line first) or `.jsonl` file's text; `name` names it in errors. */
export function parseBatchText(text: string, name: string): { row: BatchRow; line: number }[] {
  const lines = text.split(/\r?\n/).map((l, i) => ({ text: l, line: i + 1 }));
  const content = lines.filter((l) => l.text.trim() !== "" && !l.text.trimStart().startsWith("#"));
  const json = extname(name).toLowerCase() === ".jsonl" || extname(name).toLowerCase() === ".ndjson";
  const rows: { row: BatchRow; line: number }[] = [];
  let header: string[] | undefined;
  for (const { text: line, line: n } of content) {
    const where = `${name}:${n}`;
    let record: Record<string, unknown>;
    if (json) {
      try {
        record = JSON.parse(line);
      } catch (err) {
        throw new KcError(`${where}: not JSON (${(err as Error).message})`);
      }
    } else if (!header) {
      header = csvFields(line, where).map((h) => h.toLowerCase().replace(/-/g, "_"));
      continue;
    } else {
      const fields = csvFields(line, where);
      if (fields.length > header.length)
        throw new KcError(`${where}: ${fields.length} fields, the header has ${header.length}`);
      record = Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ""]).filter(([, v]) => v !== ""));
    }
    for (const key of Object.keys(record)) {
      if (!COLUMNS.includes(key))
        throw new KcError(`${where}: unknown column ${show(key)} (columns: ${COLUMNS.join(", ")})`);
      const v = record[key];
      if (Array.isArray(v)) record[key] = v.join(",");
      else if (typeof v === "number") record[key] = String(v);
    }
    rows.push({ row: record as BatchRow, line: n });
  }
  if (rows.length === 0) throw new KcError(`${name} lists no artifact`);
  return rows;
}

/** Reads and parses a batch file into registrations: paths hashed, digests and CIDs read, every field checked. */
export async function readBatchFile(file: string, owner: string): Promise<RegistrationInput[]> {
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new KcError(`cannot read ${file}: ${err.code ?? err.message}`);
  });
  const inputs: RegistrationInput[] = [];
  for (const { row, line } of parseBatchText(text, file)) {
    const where = `${file}:${line}`;
    try {
      if ((row.path === undefined) === (row.digest === undefined))
        throw new KcError("give exactly one of path or digest");
      if (row.kind === undefined) throw new KcError("missing kind");
      const { digest, scheme } =
        row.digest !== undefined
          ? await parseStatedDigest(row.digest, row.scheme)
          : await hashPath(resolve(dirname(file), row.path!));
      const list = (s: string | undefined) => (s ?? "").replace(/;/g, ",");
      inputs.push({
        digest,
        scheme,
        kind: parseKind(row.kind),
        uri: row.uri ?? "",
        contributors: row.contributors
          ? parseContributors(list(row.contributors))
          : [{ account: owner, share: 1n }],
        parents: await parseArtifactRefs(list(row.parents), "parent"),
        upstreamBps: parseBps(row.upstream ?? "0"),
        minUpstreamBps: parseBps(row.min_upstream ?? "0"),
      });
    } catch (err) {
      if (err instanceof KcError) throw new KcError(`${where}: ${err.message}`);
      throw err;
    }
  }
  return inputs;
}

// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
//  Splitting and sending
// ───────────────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * How many of `items`, from the front, fit in one transaction: the whole list if its estimate stays within
 * `cap`, else the first half, and so on. A single item that does not fit (or reverts) throws its error.
 * The one place batch registration decides a split (src/tx.ts will take this over).
 */
export async function fittingPrefix<T>(
  items: T[],
  estimate: (chunk: T[]) => Promise<bigint>,
  cap: bigint,
): Promise<number> {
  for (let n = items.length; ; n = Math.ceil(n / 2)) {
    try {
      if ((await estimate(items.slice(0, n))) <= cap) return n;
      if (n === 1) throw new KcError(`one call needs more gas than the ${cap} a transaction may use`);
    } catch (err) {
      // A revert is the batch's fault, not its size: stop. Too-large estimates carry no revert data.
      if (n === 1 || findRevertData(err) !== undefined) throw err;
    }
  }
}

/** Sends `calls` through `multicall` in as many transactions as the gas cap needs, each estimated first. */
async function multicallInChunks(
  registry: KnowledgeRegistry,
  signer: Signer,
  calls: string[],
  cap: bigint,
): Promise<ContractTransactionReceipt[]> {
  const bound = registry.connect(signer);
  const receipts: ContractTransactionReceipt[] = [];
  for (let rest = calls; rest.length > 0;) {
    // Simulate on the pending block, the one the transaction lands in: the latest may be too old to reveal.
    // (Nodes estimate gas on the pending block already.)
    const pending = { blockTag: "pending" };
    const n = await fittingPrefix(rest, (chunk) => bound.multicall.estimateGas(chunk), cap);
    await bound.multicall.staticCall(rest.slice(0, n), pending);
    receipts.push((await (await bound.multicall(rest.slice(0, n))).wait())!);
    rest = rest.slice(n);
  }
  return receipts;
}

export interface BatchOutcome {
  /** Digests registered, in file order. */
  digests: string[];
  /** Transactions of the commit phase (empty with commit-reveal off), then of the registrations. */
  commitTxs: { txHash: string; blockNumber: number; gasUsed: bigint }[];
  registerTxs: { txHash: string; blockNumber: number; gasUsed: bigint; registered: number }[];
}

/**
 * Registers `inputs` as `signer`. Each is checked with views first (parents may be earlier rows); with
 * commit-reveal on, all are committed, `waitUntil(readyAt, expiresAt, simulate)` waits out the commit age,
 * then all are revealed. Transactions are split to stay within `cap` gas each.
 */
export async function registerBatch(
  registry: KnowledgeRegistry,
  signer: Signer,
  inputs: RegistrationInput[],
  options: {
    cap?: bigint;
    waitUntil: (readyAt: bigint, expiresAt: bigint, simulate: () => Promise<unknown>) => Promise<void>;
    status?: (message: string) => void;
  },
): Promise<BatchOutcome> {
  const cap = options.cap ?? TX_GAS_CAP;
  const status = options.status ?? (() => {});
  const registrant = await signer.getAddress();
  const inBatch = new Set<string>();
  for (const input of inputs) {
    if (inBatch.has(input.digest)) throw new KcError(`${input.digest} is listed twice`);
    const earlier = input.parents.filter((p) => inBatch.has(p));
    // A parent earlier in the file does not exist yet: check the rest and leave that to the simulation.
    await checkRegistration(
      registry,
      {
        ...input,
        parents: input.parents.filter((p) => !inBatch.has(p)),
        upstreamBps: earlier.length > 0 ? 0 : input.upstreamBps,
      },
      registrant,
    );
    inBatch.add(input.digest);
  }
  const [minAge, maxAge] = await Promise.all([registry.minCommitAge(), registry.maxCommitAge()]);
  const secrets = inputs.map(() => (minAge === 0n ? ZeroHash : hexlify(randomBytes(32))));
  const iface = registry.interface;
  const registerCalls = inputs.map((input, i) =>
    iface.encodeFunctionData("register", [registrationOf(input, secrets[i])]),
  );
  const summary = (r: ContractTransactionReceipt) => ({
    txHash: r.hash,
    blockNumber: r.blockNumber,
    gasUsed: r.gasUsed,
  });

  const commitTxs: BatchOutcome["commitTxs"] = [];
  if (minAge > 0n) {
    const commitments = await Promise.all(
      inputs.map((input, i) => registry.commitmentFor(input.digest, registrant, secrets[i])),
    );
    const receipts = await multicallInChunks(
      registry,
      signer,
      commitments.map((c) => iface.encodeFunctionData("commit", [c])),
      cap,
    );
    commitTxs.push(...receipts.map(summary));
    status(`committed ${inputs.length} artifact(s) in ${receipts.length} transaction(s)`);
    const committedAt = BigInt(
      (await signer.provider!.getBlock(receipts[receipts.length - 1].blockNumber))!.timestamp,
    );
    const firstAt = BigInt((await signer.provider!.getBlock(receipts[0].blockNumber))!.timestamp);
    await options.waitUntil(committedAt + minAge, firstAt + maxAge, () =>
      registry.connect(signer).multicall.staticCall(registerCalls.slice(0, 1), { blockTag: "pending" }),
    );
  }
  const receipts = await multicallInChunks(registry, signer, registerCalls, cap);
  const registerTxs = receipts.map((r) => ({
    ...summary(r),
    registered: r.logs.filter((log) => iface.parseLog(log)?.name === "ArtifactRegistered").length,
  }));
  return { digests: inputs.map((i) => i.digest), commitTxs, registerTxs };
}
