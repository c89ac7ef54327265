/**
 * Sending from the app on the SDK's one write path (src/tx.ts): every step is simulated (eth_estimateGas from the
 * sending account) before the wallet is asked to send it, progress goes to the status line, and a failure is the
 * CLI's one-line reason.
 */
import { type PlanResult, type TxStep, sendPlan, simulatePlan } from "../../src/tx";
import { short, state, status } from "./core";

/**
 * Simulates `steps` and sends them one by one (each mined before the next), each step simulated right before it is
 * sent, since a later step may need an earlier one mined (an approve before the funding it allows). `what` prefixes
 * the progress lines. Returns the results in order; throws the one-line reason of the first step that would fail.
 */
export async function sendSteps(what: string, steps: TxStep[]): Promise<PlanResult[]> {
  const signer = state.signer;
  if (!signer) throw new Error("connect a wallet first");
  const results: PlanResult[] = [];
  for (const [i, step] of steps.entries()) {
    const n = steps.length > 1 ? ` (${i + 1}/${steps.length}: ${step.label})` : "";
    status(`${what}${n}: simulating…`);
    const [simulated] = await simulatePlan({ steps: [step], notes: [] }, signer);
    status(`${what}${n}: confirm in your wallet, then wait for the block…`);
    const result = await sendPlan({ steps: [simulated], notes: [] }, signer);
    status(`${what}${n}: mined in ${short(result.steps[0].hash)}`);
    results.push(result);
  }
  return results;
}
