/** Output helpers shared by the CLI and the demo. */

/** Basis points as a percentage: 2000 → `20%`, 1250 → `12.5%`; `parseBps` reads it back. */
export function formatBps(bps: number | bigint): string {
  const n = Number(bps);
  return `${(n / 100).toFixed(2).replace(/\.?0+$/, "")}%`;
}

/** `0x1234…cdef`, for tables where a full digest does not fit. */
export function short(hex: string, keep = 6): string {
  return hex.length <= 2 + keep * 2 ? hex : `${hex.slice(0, 2 + keep)}…${hex.slice(-keep)}`;
}

/** A timestamp in seconds as `2025-01-31T12:00:00Z`. */
export function isoTime(seconds: number | bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}

/** `2592000` → `30d`, `90` → `1m 30s`. */
export function formatDuration(seconds: number | bigint): string {
  let left = Number(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
  }
  return parts.join(" ") || "0s";
}

/**
 * A duration for people reading progress: its largest unit and the next one, days spelled out:
 * `12s`, `1m 5s`, `2h 30m`, `2 days`, `15 days 3h`.
 */
export function humanDuration(seconds: number | bigint): string {
  const total = Math.max(0, Math.ceil(Number(seconds)));
  const units = [
    [86_400, (n: number) => `${n} day${n === 1 ? "" : "s"}`],
    [3_600, (n: number) => `${n}h`],
    [60, (n: number) => `${n}m`],
    [1, (n: number) => `${n}s`],
  ] as const;
  const first = units.findIndex(([size]) => total >= size);
  if (first < 0) return "0s";
  const [size, name] = units[first];
  const parts = [name(Math.floor(total / size))];
  const next = units[first + 1];
  if (next) {
    const rest = Math.floor((total % size) / next[0]);
    if (rest > 0) parts.push(next[1](rest));
  }
  return parts.join(" ");
}

/** JSON with bigints as decimal strings, so amounts in base units survive without loss. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

export type Align = "left" | "right";

/** A plain-text table: a header, a rule, the rows; `align` per column (numbers read best right-aligned). */
export function table(headers: string[], rows: string[][], align: Align[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (align[i] === "right" ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/**
 * Base units rounded to `places` decimals, with thousands separators: for reading, never for
 * arithmetic (`formatAmount` is exact).
 */
export function formatRounded(value: bigint, decimals: number, places = 2): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const drop = decimals > places ? 10n ** BigInt(decimals - places) : 1n;
  const rounded = (abs + drop / 2n) / drop;
  const shown = decimals > places ? places : decimals;
  const text = rounded.toString().padStart(shown + 1, "0");
  const whole = text.slice(0, text.length - shown).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = shown > 0 ? `.${text.slice(text.length - shown)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}
