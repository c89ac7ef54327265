import { readFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";

import { parseStatedDigest } from "./content/ref";
import { KcError, show } from "./errors";
import { hashPath } from "./hash";
import { parseBps, parseContributors, parseKind } from "./parse";
import { parseArtifactRefs } from "./refs";
import type { RegistrationInput } from "./register";

/**
 * The file of `kc register-batch`: CSV or JSON Lines, one artifact a row, read into the
 * {@link RegistrationInput}s that `registerMany` (src/register.ts) commits, splits and sends.
 */

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
  /** Digests or CIDs, separated by `,` or `;`; registered already (a batch cannot build on itself). */
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
