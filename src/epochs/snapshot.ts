/**
 * The registry facts an epoch is computed from, at one block: every artifact in registration order (so parents
 * come before children), its upstream share, whether it is retracted, its parents, and its contributor slots with
 * their current holders. Stored in flat typed arrays so a million artifacts fit in a few hundred megabytes.
 */
export interface RegistrySnapshot {
  /** The block the facts are read at (-1 for generated data). */
  block: number;
  /** Lowercase 0x-digests in registration order. */
  digests: string[];
  /** Lowercase digest → position in `digests`. */
  index: Map<string, number>;
  upstreamBps: Uint16Array;
  retracted: Uint8Array;
  /** Parents of artifact i are parents[parentStart[i] .. parentStart[i + 1]), as positions, in registration order. */
  parentStart: Uint32Array;
  parents: Uint32Array;
  /** Contributor slots of artifact i are contribStart[i] .. contribStart[i + 1]. */
  contribStart: Uint32Array;
  /** Account of each slot, as a position in `accounts`. */
  contribAccount: Uint32Array;
  contribShare: Uint32Array;
  /** Lowercase 0x-addresses. */
  accounts: string[];
}

/** Builds a snapshot from registrations, slot moves and retractions applied in chain order. */
export class SnapshotBuilder {
  private readonly digests: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly upstream: number[] = [];
  private readonly retractedSet = new Set<number>();
  private readonly parentLists: number[][] = [];
  private readonly slots: { account: number; share: number }[][] = [];
  private readonly accounts: string[] = [];
  private readonly accountIndex = new Map<string, number>();

  accountId(address: string): number {
    const key = address.toLowerCase();
    let id = this.accountIndex.get(key);
    if (id === undefined) {
      id = this.accounts.length;
      this.accounts.push(key);
      this.accountIndex.set(key, id);
    }
    return id;
  }

  register(
    digest: string,
    contributors: readonly { account: string; share: number | bigint }[],
    parents: readonly string[],
    upstreamBps: number,
  ): void {
    const key = digest.toLowerCase();
    if (this.index.has(key)) throw new Error(`artifact ${key} registered twice`);
    const parentIds = parents.map((p) => {
      const id = this.index.get(p.toLowerCase());
      if (id === undefined) throw new Error(`artifact ${key} names unknown parent ${p}`);
      return id;
    });
    this.index.set(key, this.digests.length);
    this.digests.push(key);
    this.upstream.push(upstreamBps);
    this.parentLists.push(parentIds);
    this.slots.push(
      contributors.map((c) => ({ account: this.accountId(c.account), share: Number(c.share) })),
    );
  }

  moveSlot(digest: string, slot: number, to: string): void {
    const id = this.index.get(digest.toLowerCase());
    if (id === undefined || slot >= this.slots[id].length) throw new Error(`no slot ${slot} of ${digest}`);
    this.slots[id][slot].account = this.accountId(to);
  }

  retract(digest: string): void {
    const id = this.index.get(digest.toLowerCase());
    if (id === undefined) throw new Error(`no artifact ${digest}`);
    this.retractedSet.add(id);
  }

  finish(block: number): RegistrySnapshot {
    const n = this.digests.length;
    const parentStart = new Uint32Array(n + 1);
    const contribStart = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) {
      parentStart[i + 1] = parentStart[i] + this.parentLists[i].length;
      contribStart[i + 1] = contribStart[i] + this.slots[i].length;
    }
    const parents = new Uint32Array(parentStart[n]);
    const contribAccount = new Uint32Array(contribStart[n]);
    const contribShare = new Uint32Array(contribStart[n]);
    const retracted = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      parents.set(this.parentLists[i], parentStart[i]);
      this.slots[i].forEach((s, k) => {
        contribAccount[contribStart[i] + k] = s.account;
        contribShare[contribStart[i] + k] = s.share;
      });
      if (this.retractedSet.has(i)) retracted[i] = 1;
    }
    return {
      block,
      digests: this.digests,
      index: this.index,
      upstreamBps: Uint16Array.from(this.upstream),
      retracted,
      parentStart,
      parents,
      contribStart,
      contribAccount,
      contribShare,
      accounts: this.accounts,
    };
  }
}
