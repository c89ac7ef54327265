import type { ConfigurableTaskDefinition } from "hardhat/types";

import { type NodeHashOptions, type Progress, MODES, parseMode } from "../../src/hash";
import type { Ctx } from "./common";

/** The hashing flags `kc hash`, `kc register`, `kc show` and `kc verify` share. */
export interface HashFlags {
  mode?: string;
  followSymlinks: boolean;
  allowOutside: boolean;
  noDefaultExcludes: boolean;
}

export function addHashFlags(t: ConfigurableTaskDefinition, withMode = true): ConfigurableTaskDefinition {
  if (withMode) {
    t = t.addOptionalParam(
      "mode",
      `How to hash a path: ${MODES.join(" or ")} (default ipfs: the CID ipfs add gives under unixfs-v1-2025)`,
    );
  }
  return t
    .addFlag("followSymlinks", "Hash what symbolic links point to, as if copied in place")
    .addFlag("allowOutside", "With --follow-symlinks, also follow links that leave the folder")
    .addFlag(
      "noDefaultExcludes",
      "Keep VCS and OS metadata (.git, .DS_Store, …) that is excluded by default",
    );
}

export function hashOptionsOf(args: HashFlags, onProgress?: Progress): NodeHashOptions {
  return {
    mode: args.mode === undefined ? "ipfs" : parseMode(args.mode),
    followSymlinks: args.followSymlinks,
    allowOutside: args.allowOutside,
    defaultExcludes: !args.noDefaultExcludes,
    onProgress,
  };
}

/** Below both, hashing is too quick for a progress line to be worth printing. */
const PROGRESS_FROM_BYTES = 32 * 1024 * 1024;
const PROGRESS_FROM_FILES = 2000;

/** Progress by files and bytes on stderr: rewritten in place on a terminal, a line per 10% otherwise. */
export function progressReporter(status: Ctx["status"], label: string): Progress {
  let lastTenth = 0;
  let lastTime = 0;
  return ({ files, filesTotal, bytes, bytesTotal }) => {
    if (bytesTotal < PROGRESS_FROM_BYTES && filesTotal < PROGRESS_FROM_FILES) return;
    const done = files >= filesTotal;
    const fraction = bytesTotal > 0 ? bytes / bytesTotal : files / filesTotal;
    const percent = Math.floor(fraction * 100);
    const mib = (n: number) => (n / 1024 / 1024).toFixed(0);
    const text = `${label} ${percent}% (${files} / ${filesTotal} files, ${mib(bytes)} / ${mib(bytesTotal)} MiB)`;
    if (process.stderr.isTTY) {
      if (Date.now() - lastTime < 200 && !done) return;
      lastTime = Date.now();
      process.stderr.write(`\r${text}${done ? "\n" : ""}`);
    } else if (Math.floor(percent / 10) > lastTenth || (done && lastTenth < 10)) {
      lastTenth = done ? 10 : Math.floor(percent / 10);
      status(text);
    }
  };
}
