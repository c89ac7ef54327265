import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

import { KcError } from "../errors";

/**
 * The usage file of an epoch: one line per artifact with the units of use measured in the epoch.
 *
 * CSV (`.csv`, or any file whose first data line does not start with `{`):
 *   digest,units
 *   0x<64 hex digits>,<whole number>
 * The header line is optional; blank lines and lines starting with `#` are ignored.
 *
 * JSONL (`.jsonl`/`.ndjson`, or first data line starting with `{`): one object per line,
 *   {"digest":"0x…","units":"123"}   (units as a whole number or a decimal string)
 *
 * Units are whole numbers from 0 to 2^128 - 1. Every other line is an error naming its line number: a malformed
 * line, a digest that is not 32 bytes of hex, negative or fractional units, or a digest listed twice.
 * The file's SHA-256 (of its exact bytes) is what `kc epoch post` publishes as the usage hash.
 */
export interface Usage {
  /** Lowercase 0x-digests in file order. */
  digests: string[];
  units: bigint[];
  /** 1-based line number of each entry, for messages. */
  lines: number[];
  /** SHA-256 of the file's bytes, 0x-hex. */
  sha256: string;
  format: "csv" | "jsonl";
  totalUnits: bigint;
}

const MAX_UNITS = (1n << 128n) - 1n;
const DIGEST = /^0x[0-9a-fA-F]{64}$/;

function parseUnits(raw: unknown, where: string): bigint {
  let text: string;
  if (typeof raw === "number") {
    if (!Number.isFinite(raw)) throw new KcError(`${where}: units must be a whole number, got ${raw}`);
    if (raw < 0) throw new KcError(`${where}: units must not be negative, got ${raw}`);
    if (!Number.isInteger(raw)) throw new KcError(`${where}: units must be a whole number, got ${raw}`);
    if (!Number.isSafeInteger(raw)) {
      throw new KcError(`${where}: units ${raw} lose precision as a JSON number; write them as a string`);
    }
    return BigInt(raw);
  } else if (typeof raw === "string") {
    text = raw.trim();
  } else {
    throw new KcError(`${where}: units missing or not a number`);
  }
  if (/^-/.test(text)) throw new KcError(`${where}: units must not be negative, got ${text}`);
  if (/^\d*\.\d*$/.test(text) && text !== ".") {
    throw new KcError(`${where}: units must be a whole number, got ${text}`);
  }
  if (!/^\d+$/.test(text))
    throw new KcError(`${where}: units must be a whole number, got ${JSON.stringify(text)}`);
  const units = BigInt(text);
  if (units > MAX_UNITS) throw new KcError(`${where}: units ${text} exceed 2^128 - 1`);
  return units;
}

/** Parses `path` (streaming); `onProgress(lines)` is called every 65,536 lines. */
export async function readUsage(path: string, onProgress?: (lines: number) => void): Promise<Usage> {
  const hash = createHash("sha256");
  const stream = createReadStream(path);
  stream.on("data", (chunk) => hash.update(chunk));
  const opened = new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", (err) => reject(new KcError(`cannot read usage file ${path}: ${err.message}`)));
  });
  await opened;
  let format: "csv" | "jsonl" | undefined = /\.(jsonl|ndjson)$/i.test(path)
    ? "jsonl"
    : /\.csv$/i.test(path)
      ? "csv"
      : undefined;
  const usage: Usage = {
    digests: [],
    units: [],
    lines: [],
    sha256: "",
    format: format ?? "csv",
    totalUnits: 0n,
  };
  const seen = new Map<string, number>();
  let lineNo = 0;
  let sawData = false;
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const rawLine of rl) {
    lineNo++;
    if (onProgress && (lineNo & 0xffff) === 0) onProgress(lineNo);
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const where = `${path}:${lineNo}`;
    if (format === undefined) format = line.startsWith("{") ? "jsonl" : "csv";
    let digest: unknown;
    let unitsRaw: unknown;
    if (format === "csv") {
      const cells = line.split(",").map((c) => c.trim());
      if (
        !sawData &&
        cells.length === 2 &&
        cells[0].toLowerCase() === "digest" &&
        cells[1].toLowerCase() === "units"
      ) {
        sawData = true;
        continue;
      }
      if (cells.length !== 2) {
        throw new KcError(`${where}: malformed line, expected digest,units: ${JSON.stringify(rawLine)}`);
      }
      [digest, unitsRaw] = cells;
    } else {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        throw new KcError(`${where}: malformed line, expected a JSON object: ${JSON.stringify(rawLine)}`);
      }
      if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
        throw new KcError(`${where}: malformed line, expected a JSON object: ${JSON.stringify(rawLine)}`);
      }
      digest = (obj as Record<string, unknown>).digest;
      unitsRaw = (obj as Record<string, unknown>).units;
    }
    sawData = true;
    if (typeof digest !== "string" || !DIGEST.test(digest)) {
      throw new KcError(
        `${where}: digest must be 0x followed by 64 hex digits, got ${JSON.stringify(digest)}`,
      );
    }
    const key = digest.toLowerCase();
    const units = parseUnits(unitsRaw, where);
    const first = seen.get(key);
    if (first !== undefined) throw new KcError(`${where}: duplicate digest ${key} (first on line ${first})`);
    seen.set(key, lineNo);
    usage.digests.push(key);
    usage.units.push(units);
    usage.lines.push(lineNo);
    usage.totalUnits += units;
  }
  usage.format = format ?? usage.format;
  usage.sha256 = `0x${hash.digest("hex")}`;
  return usage;
}
