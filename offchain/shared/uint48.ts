/**
 * The largest uint48, the width of every time field on-chain (`sampledAt`, `deadline`,
 * `recordedAt`, `anchoredAt`, grant expiry). One definition for the SDK, the gateway, the
 * indexer and the service.
 */
export const MAX_UINT48 = 2 ** 48 - 1;

/** The largest uint32, the width of a source's signing epoch (`Source.epoch`). */
export const MAX_UINT32 = 2 ** 32 - 1;

/**
 * Whether `value` is an integer a uint48 field can hold (safe as a JS number: 2^48 < 2^53).
 *
 * @example
 * if (!isUint48(record.sampledAt)) throw new TypeError("sampledAt is not a uint48");
 */
export function isUint48(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_UINT48;
}

/**
 * Whether `value` is an integer a uint32 field can hold (a signing epoch).
 *
 * @example
 * if (!isUint32(operation.epoch)) throw new TypeError("epoch is not a uint32");
 */
export function isUint32(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_UINT32;
}
