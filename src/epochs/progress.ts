import type { Progress } from "./epoch";

/**
 * A progress bar on stderr: `build  tree      [##########··········]  52%  1.9s`. On a terminal it redraws in place
 * (at most every 100 ms); otherwise it prints one line when each phase ends, so logs stay short.
 */
export function progressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): Progress & { done(): void } {
  const started = Date.now();
  let phase = "";
  let last = 0;
  let lastLine = "";
  const render = (p: string, done: number, total: number) => {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const width = 24;
    const filled = Math.round(ratio * width);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    return `${label}  ${p.padEnd(15)} [${"#".repeat(filled)}${"·".repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${secs}s`;
  };
  const fn = ((p: string, done: number, total: number) => {
    const now = Date.now();
    if (stream.isTTY) {
      if (p !== phase || done >= total || now - last > 100) {
        if (p !== phase && phase !== "") stream.write("\n");
        stream.write(`\r${render(p, done, total)}`);
        last = now;
      }
    } else if (done >= total && lastLine !== p) {
      stream.write(`${render(p, done, total)}\n`);
      lastLine = p;
    }
    phase = p;
  }) as Progress & { done(): void };
  fn.done = () => {
    if (stream.isTTY && phase !== "") stream.write("\n");
    phase = "";
  };
  return fn;
}
