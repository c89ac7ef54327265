/**
 * Where the history index is cached between runs. The SDK reads and writes opaque JSON text under a key;
 * `FileHistoryStore` keeps it in a folder (the CLI uses `.kc/cache/`), `MemoryHistoryStore` in memory (a
 * browser can implement the same two methods over localStorage or IndexedDB).
 */
export interface HistoryStore {
  read(key: string): string | undefined | Promise<string | undefined>;
  write(key: string, text: string): void | Promise<void>;
}

export class MemoryHistoryStore implements HistoryStore {
  readonly entries = new Map<string, string>();
  read(key: string): string | undefined {
    return this.entries.get(key);
  }
  write(key: string, text: string): void {
    this.entries.set(key, text);
  }
}
