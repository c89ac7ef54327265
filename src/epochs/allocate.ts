import { KcError } from "../errors";
import type { RegistrySnapshot } from "./snapshot";
import type { Usage } from "./usage";

/**
 * One epoch's allocation, exact to the wei:
 * 1. The distributable amount is shared by units: artifact a gets `distributable × units(a) / Σ units`.
 * 2. Every level of lineage, children before parents: of what an artifact receives (its own part plus what its
 *    children sent it), `upstreamBps / 10000` goes to its parents in equal parts over all of them, and the rest to
 *    its contributors. A retracted parent's part stays with the child's contributors; a parent passes what it
 *    receives on by its own upstreamBps, and so on to the roots of the lineage.
 * 3. A contributor slot gets `share / totalShares` of its artifact's contributor part; an account's epoch amount
 *    is the floor of the sum over its slots. What the floors leave (less than one unit per account) is the dust,
 *    carried into the next epoch.
 * All arithmetic is exact: amounts are integers over one common denominator D = Σunits × (10000 × L)^h, with L the
 * lcm of the parent counts that pass anything on and h the longest chain of passes, so every division on the way
 * is exact and equal parts leave no remainder (the pools' "remainder to the first parent" rule never applies).
 * Usage of a retracted artifact is skipped and reported; an artifact the registry does not know is an error.
 */
export interface EpochAllocation {
  /** Account position (in snapshot.accounts) → this epoch's amount, for accounts with a non-zero amount. */
  amounts: Map<number, bigint>;
  allocated: bigint;
  dust: bigint;
  /** Usage lines skipped because the artifact is retracted. */
  skipped: { digest: string; units: bigint; line: number }[];
  countedUnits: bigint;
}

function gcdNumber(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function gcd(a: bigint, b: bigint): bigint {
  // Denominators are lcms of share totals: almost always small enough for exact float arithmetic.
  if (a <= MAX_SAFE && b <= MAX_SAFE) return BigInt(gcdNumber(Number(a), Number(b)));
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** BigInt(i) for small i without allocating a new BigInt each time. */
const SMALL: bigint[] = Array.from({ length: 10_001 }, (_, i) => BigInt(i));
const big = (i: number): bigint => (i <= 10_000 ? SMALL[i] : BigInt(i));

/** Allocates `distributable` for `usage` over `snapshot`; `onProgress(done, total)` per 65,536 artifacts. */
export function allocateEpoch(
  snapshot: RegistrySnapshot,
  usage: Pick<Usage, "digests" | "units" | "lines">,
  distributable: bigint,
  onProgress?: (done: number, total: number) => void,
): EpochAllocation {
  const n = snapshot.digests.length;
  const units: bigint[] = new Array(n);
  const used = new Uint8Array(n);
  const skipped: EpochAllocation["skipped"] = [];
  let total = 0n;
  for (let k = 0; k < usage.digests.length; k++) {
    const id = snapshot.index.get(usage.digests[k]);
    if (id === undefined) {
      throw new KcError(
        `usage line ${usage.lines[k]}: artifact ${usage.digests[k]} is not registered` +
          (snapshot.block >= 0 ? ` at block ${snapshot.block}` : ""),
      );
    }
    if (snapshot.retracted[id]) {
      skipped.push({ digest: usage.digests[k], units: usage.units[k], line: usage.lines[k] });
      continue;
    }
    if (usage.units[k] === 0n) continue;
    units[id] = usage.units[k];
    used[id] = 1;
    total += usage.units[k];
  }
  const amounts = new Map<number, bigint>();
  if (total === 0n || distributable === 0n) {
    return { amounts, allocated: 0n, dust: distributable, skipped, countedUnits: total };
  }

  // Longest chain of passes (hops) and the lcm of the parent counts that pass anything on.
  const { upstreamBps, retracted, parentStart, parents } = snapshot;
  const hops = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) if (used[i]) hops[i] = 0;
  let height = 0;
  let lcmParents = 1;
  for (let i = n - 1; i >= 0; i--) {
    if (hops[i] < 0 || upstreamBps[i] === 0) continue;
    const k = parentStart[i + 1] - parentStart[i];
    lcmParents = (lcmParents / gcdNumber(lcmParents, k)) * k;
    const h = hops[i] + 1;
    for (let j = parentStart[i]; j < parentStart[i + 1]; j++) {
      const p = parents[j];
      if (!retracted[p] && hops[p] < h) hops[p] = h;
    }
    if (h > height) height = h;
  }
  const step = 10_000n * BigInt(lcmParents);
  const perUnit = distributable * step ** BigInt(height); // D / Σunits × distributable
  const denominator = total * step ** BigInt(height); // D

  // What each artifact receives, in units of 1/D.
  const inflow: bigint[] = new Array(n);
  for (let i = 0; i < n; i++) if (used[i]) inflow[i] = units[i] * perUnit;

  // Pass 1, children before parents: what each artifact passes to its parents, and what it keeps for its
  // contributors, which replaces its inflow (its children all come after it, so nothing adds to it any more).
  const { contribStart, contribAccount, contribShare } = snapshot;
  for (let i = n - 1; i >= 0; i--) {
    if (onProgress && ((n - 1 - i) & 0xffff) === 0) onProgress(n - 1 - i, n);
    const inflowI = inflow[i];
    if (inflowI === undefined || inflowI === 0n) continue;
    let toContributors = inflowI;
    const bps = upstreamBps[i];
    const k = parentStart[i + 1] - parentStart[i];
    if (bps !== 0 && k !== 0) {
      const upstream = (inflowI * big(bps)) / 10_000n;
      const part = upstream / big(k);
      toContributors -= upstream;
      for (let j = parentStart[i]; j < parentStart[i + 1]; j++) {
        const p = parents[j];
        if (retracted[p]) toContributors += part;
        else inflow[p] = (inflow[p] ?? 0n) + part;
      }
    }
    inflow[i] = toContributors;
  }

  // Pass 2, account by account over its slots (grouped with a counting sort): numerator over D × den, den = lcm
  // of the totalShares of its slots, summed in local variables. Accumulating per account while walking artifacts
  // touched two BigInt arrays at random positions per slot, which at a million accounts cost more in cache misses
  // and garbage collection than the arithmetic.
  const m = snapshot.accounts.length;
  const slots = contribAccount.length;
  const slotArtifact = new Uint32Array(slots);
  const totalShares = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    for (let s = contribStart[i]; s < contribStart[i + 1]; s++) {
      slotArtifact[s] = i;
      totalShares[i] += contribShare[s];
    }
  }
  const accountStart = new Uint32Array(m + 1);
  for (let s = 0; s < slots; s++) accountStart[contribAccount[s] + 1]++;
  for (let a = 0; a < m; a++) accountStart[a + 1] += accountStart[a];
  const next = accountStart.slice(0, m);
  const slotsByAccount = new Uint32Array(slots);
  for (let s = 0; s < slots; s++) slotsByAccount[next[contribAccount[s]]++] = s;

  let allocated = 0n;
  for (let a = 0; a < m; a++) {
    let num = 0n;
    let den = 0n;
    for (let q = accountStart[a]; q < accountStart[a + 1]; q++) {
      const s = slotsByAccount[q];
      const i = slotArtifact[s];
      const toContributors = inflow[i];
      if (toContributors === undefined || toContributors === 0n) continue;
      const t = big(totalShares[i]);
      const x = toContributors * big(contribShare[s]);
      if (den === 0n) {
        num = x;
        den = t;
      } else if (den === t) {
        num += x;
      } else {
        const l = (den / gcd(den, t)) * t;
        num = num * (l / den) + x * (l / t);
        den = l;
      }
    }
    if (den === 0n) continue;
    const amount = num / (denominator * den);
    if (amount > 0n) {
      amounts.set(a, amount);
      allocated += amount;
    }
  }
  return { amounts, allocated, dust: distributable - allocated, skipped, countedUnits: total };
}
