import { expect } from "chai";

/**
 * Asserts that `action` throws or rejects with an error carrying the stable `code`, and returns
 * that error for further assertions on its details.
 */
export async function expectCode(
  action: Promise<unknown> | (() => unknown),
  code: string,
): Promise<Error & { code: string; details?: Record<string, unknown> }> {
  let caught: unknown;
  try {
    await (typeof action === "function" ? action() : action);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected an error with code ${code}`).to.be.instanceOf(Error);
  expect((caught as { code?: unknown }).code).to.equal(code);
  return caught as Error & { code: string; details?: Record<string, unknown> };
}
