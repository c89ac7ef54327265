import { ArgumentsParser } from "hardhat/internal/cli/ArgumentsParser";
import { getEnvHardhatArguments } from "hardhat/internal/core/params/env-variables";
import { HARDHAT_PARAM_DEFINITIONS } from "hardhat/internal/core/params/hardhat-params";
import type { ConfigurableScopeDefinition, ScopeDefinition, TaskDefinition } from "hardhat/types";

/**
 * The `kc` command line before Hardhat runs it. Hardhat reports its own usage errors (an unknown
 * flag, task or network) as a red banner, a blank line and a link, and only after building the runtime
 * environment. The config calls {@link preflight} once every task is defined: it parses the command
 * line with Hardhat's own parser (so it accepts exactly what Hardhat accepts) and turns each of those
 * errors into one line, or a JSON object under `--json`, with exit code 1.
 *
 * Why here rather than a `bin/kc` wrapper or `process.on` handlers: Hardhat catches and prints those
 * errors itself before any handler sees them, and a wrapper would be a second way to start the CLI.
 * The config is loaded by every `npx hardhat kc …` before Hardhat parses the task's arguments. What it
 * cannot see is a bad global flag before the config loads (`npx hardhat --netwrk x kc …`, `--network`
 * with no value): Hardhat still prints those.
 */

/** How a failure is classified in `--json` output (`{"error": …, "kind": …}`). */
export type ErrorKind = "usage" | "config" | "input" | "revert" | "network" | "internal";

export interface KcCommandLine {
  /** The task after `kc`, undefined for `npx hardhat kc`. */
  task?: string;
  /** Everything after the task name that is not a Hardhat global flag. */
  rest: string[];
  /** `--network`, or HARDHAT_NETWORK, or undefined (the config's default). */
  network?: string;
  json: boolean;
  help: boolean;
}

/** `hardhat … kc <task> …` parsed the way Hardhat parses it; undefined for any other command. */
export function kcCommandLine(
  argv: readonly string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
): KcCommandLine | undefined {
  let parsed;
  try {
    parsed = new ArgumentsParser().parseHardhatArguments(
      HARDHAT_PARAM_DEFINITIONS,
      getEnvHardhatArguments(HARDHAT_PARAM_DEFINITIONS, env),
      argv.slice(2),
    );
  } catch {
    return undefined; // Hardhat reports it (it parsed these before loading the config).
  }
  if (parsed.scopeOrTaskName !== "kc") return undefined;
  const [, task, ...rest] = parsed.allUnparsedCLAs;
  return {
    task: task?.startsWith("--") ? undefined : task,
    rest: task?.startsWith("--") ? [task, ...rest] : rest,
    network: parsed.hardhatArguments.network,
    json: rest.includes("--json"),
    help: parsed.hardhatArguments.help,
  };
}

/** The command line's `--json` flag, for errors raised before a task runs. */
export function wantsJson(argv: readonly string[] = process.argv): boolean {
  return argv.includes("--json");
}

/** The JSON object a failing command prints under `--json`. */
export function errorObject(message: string, kind: ErrorKind, extra: Record<string, unknown> = {}) {
  return { error: message, kind, ...extra };
}

/**
 * Reports a failure the kc way and ends the process: one line `error: …` on stderr, and under `--json`
 * also `{"error": …, "kind": …}` on stdout; exit code 1.
 */
export function exitWithError(message: string, kind: ErrorKind, json = wantsJson()): never {
  process.stderr.write(`error: ${message}\n`);
  if (json) process.stdout.write(`${JSON.stringify(errorObject(message, kind), null, 2)}\n`);
  process.exit(1);
}

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The closest candidate within a typo's reach, as ` (did you mean x?)`, or "". */
export function didYouMean(given: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = candidate.startsWith(given) || given.startsWith(candidate) ? 1 : distance(given, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  const reach = Math.max(2, Math.floor(given.length / 3));
  return best !== undefined && bestDistance <= reach ? ` (did you mean ${best}?)` : "";
}

const toFlag = (param: string) => ArgumentsParser.paramNameToCLA(param);

/** Hardhat's usage error for a task's arguments, in our words; undefined if there is none. */
export function taskArgumentsProblem(
  definition: TaskDefinition,
  rest: readonly string[],
): string | undefined {
  try {
    new ArgumentsParser().parseTaskArguments(definition, [...rest]);
    return undefined;
  } catch (err) {
    const e = err as { number?: number; messageArguments?: Record<string, string>; message?: string };
    const args = e.messageArguments ?? {};
    const flags = Object.keys(definition.paramDefinitions).map(toFlag);
    const command = `kc ${definition.name}`;
    switch (e.number) {
      case 305: // UNRECOGNIZED_PARAM_NAME
        return `${command} has no flag ${args.param}${didYouMean(args.param, flags)}; see npx hardhat help kc ${definition.name}`;
      case 306: // MISSING_TASK_ARGUMENT
        return `${args.param.startsWith("--") ? args.param : toFlag(args.param)} needs a value`;
      case 308: // UNRECOGNIZED_POSITIONAL_ARG
        return `${command} takes no argument ${args.argument}; flags start with --; see npx hardhat help kc ${definition.name}`;
      case 309: // REPEATED_PARAM
        return `${args.param} is given twice`;
      default:
        return (e.message ?? String(err)).replace(/^HH\d+:\s*/, "").replace(/\s*\n\s*/g, " ");
    }
  }
}

/**
 * Checks a `kc` command line against the defined tasks and networks and exits with one line on the
 * first problem. Does nothing for other commands, for `--help`, or for `npx hardhat kc` alone.
 */
export function preflight(
  scope: ConfigurableScopeDefinition,
  networks: readonly string[],
  line: KcCommandLine | undefined = kcCommandLine(),
): void {
  if (line === undefined || line.help || line.task === undefined) return;
  const tasks = (scope as ScopeDefinition).tasks;
  const definition = tasks[line.task];
  if (definition === undefined) {
    exitWithError(
      `unknown command kc ${line.task}${didYouMean(line.task, Object.keys(tasks))}; list them with npx hardhat help kc`,
      "usage",
      line.json,
    );
  }
  const problem = taskArgumentsProblem(definition, line.rest);
  if (problem) exitWithError(problem, "usage", line.json);
  if (line.network !== undefined && !networks.includes(line.network)) {
    exitWithError(
      `unknown network ${line.network}${didYouMean(line.network, networks)}: the networks are ` +
        `${networks.join(", ")}; for any other chain set RPC_URL (and a key) in .env and use --network remote`,
      "usage",
      line.json,
    );
  }
}

/** Whether a kc task sends transactions (it has `--from`), so it needs an account. */
export function taskNeedsAccount(scope: ConfigurableScopeDefinition, task: string | undefined): boolean {
  const definition = task === undefined ? undefined : (scope as ScopeDefinition).tasks[task];
  return definition === undefined || "from" in definition.paramDefinitions;
}
