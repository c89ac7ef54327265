import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import type { HistoryStore } from "./store";

/** Node only (the rest of `src/history/` runs in a browser as well). */
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
