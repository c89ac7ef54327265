import { kcCommandLine } from "./cli";

/**
 * Each file registers its tasks under the `kc` scope (see common.ts). A `kc` command loads only the file
 * that defines it: the others pull in Ignition, the hashing libraries and more, seconds of start-up
 * that `kc hash` has no use for. Anything else (help, tests, an unknown name) loads every file. A test
 * (test/lib/cli.test.ts) checks this table against the tasks the files define.
 */
export const TASK_FILES: Readonly<Record<string, readonly string[]>> = {
  deploy: ["deploy"],
  hash: ["hash"],
  register: ["register", "register-batch"],
  artifact: ["move-slot", "set-uri", "retract", "transfer", "approve", "approve-all"],
  relay: ["relay", "nonces-invalidate"],
  show: ["show"],
  verify: ["verify"],
  pool: [
    "pool-create",
    "pool-admit",
    "pool-weight",
    "pool-remove",
    "pool-admit-many",
    "pool-show",
    "pool-changes",
    "pool-execute",
    "pool-cancel-change",
    "pool-streams",
  ],
  curator: [
    "pool-propose-curator",
    "pool-accept-curator",
    "program-propose-scorer",
    "program-accept-scorer",
    "program-propose-guardian",
    "program-accept-guardian",
  ],
  fund: ["fund"],
  claim: ["claimable", "claim"],
  stream: ["stream-cancel", "accrue", "settle"],
  epoch: [
    "program-create",
    "program-fund",
    "program-show",
    "epoch-build",
    "epoch-post",
    "epoch-verify",
    "epoch-veto",
    "epoch-activate",
    "epoch-claim",
    "epoch-invalidate-nonces",
  ],
  account: ["earnings", "pools", "artifacts"],
};

/** The task file that defines `task`, if the table knows it. */
export function taskFileOf(task: string | undefined): string | undefined {
  return Object.keys(TASK_FILES).find((file) => task !== undefined && TASK_FILES[file].includes(task));
}

/** Loads the task files a command line needs (every file unless it runs one known kc task). */
export function loadTaskFiles(argv: readonly string[] = process.argv): void {
  const line = kcCommandLine(argv);
  const only = line && !line.help ? taskFileOf(line.task) : undefined;
  for (const file of only ? [only] : Object.keys(TASK_FILES)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(`./${file}`);
  }
}

loadTaskFiles();
