import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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

/** One `<key>.json` file per index in `dir`; written to a temporary file and renamed, so a crash never leaves half a file. */
export class FileHistoryStore implements HistoryStore {
  constructor(readonly dir: string) {}

  path(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  read(key: string): string | undefined {
    try {
      return readFileSync(this.path(key), "utf8");
    } catch {
      return undefined;
    }
  }

  write(key: string, text: string): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.path(key)}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, this.path(key));
  }
}
