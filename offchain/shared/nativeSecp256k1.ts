import { createRequire } from "node:module";

/** The calls of the `secp256k1` package's N-API binding that we use (it ships no types). */
export interface NativeSecp256k1 {
  ecdsaRecover(
    signature: Uint8Array,
    recid: number,
    message: Uint8Array,
    compressed: boolean,
  ): Uint8Array;
  ecdsaSign(
    message: Uint8Array,
    privateKey: Uint8Array,
    options: object,
    output: Uint8Array,
  ): { signature: Uint8Array; recid: number };
}

let native: NativeSecp256k1 | null | undefined;

/**
 * libsecp256k1 through the binding itself, not the package entry point: that one silently falls
 * back to `elliptic`, which is slower than viem's noble. Null when it cannot load (no prebuilt
 * binary for this platform, another ABI), so callers fall back to pure JS.
 *
 * @example
 * const secp = loadNativeSecp256k1(); // null → use viem
 */
export function loadNativeSecp256k1(): NativeSecp256k1 | null {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
    } catch {
      native = null;
    }
  }
  return native;
}
