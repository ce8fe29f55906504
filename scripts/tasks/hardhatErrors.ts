/*
 * Recognising Hardhat's errors without importing their classes: several copies of
 * `@nomicfoundation/hardhat-errors` can be loaded at once and it is not one of our direct
 * dependencies, so we check the marker properties the way Hardhat itself does.
 */

/** The number of a HardhatError (703 for HHE703), or undefined for any other value. */
export function hardhatErrorNumber(error: unknown): number | undefined {
  if (!hasMarker(error, "_isHardhatError")) return undefined;
  const number = (error as { number?: unknown }).number;
  return typeof number === "number" ? number : undefined;
}

/** A JSON-RPC error answered by the node (Hardhat's ProviderError), with its code and data. */
export function providerErrorOf(error: unknown): { code: number; data?: unknown } | undefined {
  if (!hasMarker(error, "_isProviderError")) return undefined;
  return error as { code: number; data?: unknown };
}

function hasMarker(error: unknown, marker: string): error is object {
  return (
    typeof error === "object" &&
    error !== null &&
    Object.getOwnPropertyDescriptor(error, marker)?.value === true
  );
}

/** The Hardhat error numbers the tasks turn into their own codes (descriptors.js in hardhat-errors). */
export const HHE = {
  ENV_VAR_NOT_FOUND: 7,
  INVALID_CONFIG_VARIABLE_URL: 28,
  INVALID_CONFIG_VARIABLE_HEX_STRING: 30,
  CONNECTION_REFUSED: 703,
  NETWORK_TIMEOUT: 704,
  // Under `hardhat test` (HH_TEST=true) the keystore plugin reports an unset variable itself.
  KEYSTORE_KEY_NOT_FOUND_DURING_TESTS: 50002,
} as const;

/** The name of the configuration variable an "is not set" HardhatError is about, else undefined. */
export function unsetVariableOf(error: unknown): string | undefined {
  const number = hardhatErrorNumber(error);
  const args = (error as { messageArguments?: { name?: unknown; key?: unknown } }).messageArguments;
  if (number === HHE.ENV_VAR_NOT_FOUND) return String(args?.name);
  if (number === HHE.KEYSTORE_KEY_NOT_FOUND_DURING_TESTS) return String(args?.key);
  return undefined;
}
