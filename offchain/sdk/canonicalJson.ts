import canonicalizeModule from "canonicalize";

import { PayloadNotCanonicalizableError } from "./errors.js";

type Canonicalize = (input: unknown) => string | undefined;

// canonicalize ships CommonJS whose typings claim an ES default export. Node's ESM loader hands
// over the function itself; some bundlers wrap it as `{ default }`. Accept both.
const canonicalize: Canonicalize =
  typeof canonicalizeModule === "function"
    ? (canonicalizeModule as unknown as Canonicalize)
    : (canonicalizeModule as unknown as { default: Canonicalize }).default;

/**
 * The canonical JSON text of a payload (RFC 8785, JCS): the same data always gives the same
 * text, whatever key order or number spelling the producer used.
 *
 * @throws {PayloadNotCanonicalizableError} `PAYLOAD_NOT_CANONICALIZABLE` for values JSON cannot
 * express (undefined, functions, NaN, Infinity, bigint).
 *
 * @example
 * canonicalJson({ b: 2, a: 1.0 }); // '{"a":1,"b":2}'
 */
export function canonicalJson(payload: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(payload);
  } catch (cause) {
    throw new PayloadNotCanonicalizableError(cause);
  }
  if (text === undefined) throw new PayloadNotCanonicalizableError();
  return text;
}
