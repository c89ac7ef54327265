import { expect } from "chai";

import { KcError } from "../../src/errors";

/** Assert that `fn` throws or rejects with a one-line KcError whose message equals or matches `message`. */
export async function expectKcError(fn: () => unknown, message: string | RegExp): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, "expected a KcError").to.be.instanceOf(KcError);
  const text = (caught as KcError).message;
  expect(text, "error message must be one line").not.to.include("\n");
  if (typeof message === "string") expect(text).to.equal(message);
  else expect(text).to.match(message);
}
