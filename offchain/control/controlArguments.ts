import { getAddress, isAddress, isHexString } from "ethers";

import { BaseError } from "../shared/BaseError.js";

/**
 * Validation of the values an operator gives a control operation, shared by the CLI tasks and
 * (later) the O2C HTTP API: each failure is ARGUMENT_INVALID naming the argument, raised before
 * anything touches the chain.
 */
export class InvalidArgumentError extends BaseError {
  constructor(argument: string, reason: string, value: unknown) {
    super("ARGUMENT_INVALID", `${argument} ${reason}`, { details: { argument, value } });
  }
}

/** A checksummed address. */
export function parseAddress(argument: string, value: string): string {
  if (!isAddress(value))
    throw new InvalidArgumentError(argument, "must be an address (0x…)", value);
  return getAddress(value);
}

/** An unsigned integer of at most `bits` bits, in decimal or 0x-hex. */
export function parseUint(argument: string, value: string | number | bigint, bits: number): bigint {
  const text = String(value).trim();
  if (!/^(\d+|0x[0-9a-f]+)$/i.test(text)) {
    throw new InvalidArgumentError(argument, "must be an unsigned integer", value);
  }
  const n = BigInt(text);
  if (n >= 1n << BigInt(bits)) {
    throw new InvalidArgumentError(argument, `must fit in ${bits} bits`, value);
  }
  return n;
}

/** A source or dataset id: a uint64 of at least 1 (ids start at 1). */
export function parseId(argument: string, value: string | number | bigint): bigint {
  const id = parseUint(argument, value, 64);
  if (id === 0n) throw new InvalidArgumentError(argument, "must be at least 1", value);
  return id;
}

/** A 32-byte hex value (a format id, a metadata hash). */
export function parseBytes32(argument: string, value: string): string {
  if (!isHexString(value, 32)) {
    throw new InvalidArgumentError(argument, "must be 32 bytes of hex (0x + 64 digits)", value);
  }
  return value.toLowerCase();
}

/** A comma-separated list, each item parsed by `parse`; empty items are refused. */
export function parseList<T>(
  argument: string,
  value: string | undefined,
  parse: (argument: string, item: string) => T,
): T[] {
  if (value === undefined || value.trim() === "") return [];
  return value.split(",").map((item) => parse(argument, item.trim()));
}

/** A 65-byte signature (r, s, v), as `signSourceKey` makes it. */
export function parseSignature(argument: string, value: string): string {
  if (!isHexString(value, 65)) {
    throw new InvalidArgumentError(
      argument,
      "must be a 65-byte signature (0x + 130 digits)",
      value,
    );
  }
  return value;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/**
 * A grant's expiry as the ledger keeps it (unix seconds, the grant's last second), from unix
 * seconds, an ISO 8601 date, or a duration after `now` (the latest block's timestamp): `30d`,
 * `12h`, `90m`, `45s`.
 *
 * @example
 * parseExpiry("--expires", "30d", 1_700_000_000n); // 1_702_592_000n
 */
export function parseExpiry(argument: string, value: string, now: bigint): bigint {
  const text = value.trim();
  const duration = /^(\d+)([smhd])$/.exec(text);
  if (duration) return now + BigInt(duration[1]) * BigInt(UNIT_SECONDS[duration[2]]);
  if (/^\d+$/.test(text)) return parseUint(argument, text, 48);
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new InvalidArgumentError(
      argument,
      "must be unix seconds, an ISO 8601 date, or a duration (30d, 12h, 90m, 45s)",
      value,
    );
  }
  return BigInt(Math.floor(ms / 1000));
}

/** A non-empty string (URIs, names, versions). */
export function parseText(argument: string, value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError(argument, "must not be empty", value);
  return value;
}

/** Thrown by the read operations for an id nothing has. */
export class UnknownIdError extends BaseError {
  constructor(code: string, what: string, id: bigint | string) {
    super(code, `no ${what} has id ${id}`, { details: { id: String(id) } });
  }
}
