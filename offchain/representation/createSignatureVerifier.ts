import { createRequire } from "node:module";

import { domainSeparator } from "viem";

import type { LedgerDomain } from "../sdk/ledgerDomain.js";
import type { SignedOperation } from "../sdk/types.js";
import { verifyRecordSignature } from "../sdk/verifyRecordSignature.js";
import { keccak256Bytes } from "../shared/keccak.js";
import { recordDigest } from "./recordHashing.js";

/** Checks that an operation's signature is its source's, by the ledger's rules. */
export interface SignatureVerifier {
  /** "native": libsecp256k1 through the `secp256k1` N-API binding; "noble": viem (pure JS). */
  readonly implementation: "native" | "noble";
  verify(operation: SignedOperation): Promise<boolean>;
}

/** The N-API binding's one call we use (the package ships no types). */
interface NativeSecp256k1 {
  ecdsaRecover(
    signature: Uint8Array,
    recid: number,
    message: Uint8Array,
    compressed: boolean,
  ): Uint8Array;
}

/** Half the secp256k1 group order: OpenZeppelin ECDSA rejects larger `s` (malleable signatures). */
const HALF_N = Buffer.from(
  "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0",
  "hex",
);
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;

let native: NativeSecp256k1 | null | undefined;

/**
 * The binding itself, not the package entry point: that one silently falls back to `elliptic`,
 * which is slower than viem's noble. Any load failure (no prebuilt binary for this platform,
 * another ABI) leaves the gateway on the pure-JS path.
 */
function loadNative(): NativeSecp256k1 | null {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
    } catch {
      native = null;
    }
  }
  return native;
}

/**
 * A signature checker for one ledger domain, with the same verdicts as the SDK's
 * `verifyRecordSignature` (65 bytes, `v` 27 or 28, low `s`, recovers to `source`) but recovering
 * with native libsecp256k1 when it loads, about 25 times faster than pure JS: recovery was the
 * largest cost of the gateway's accept path. The EIP-712 digest is built by hand with the domain
 * separator computed once.
 *
 * @example
 * const verifier = createSignatureVerifier(ledgerDomain(chainId, ledger));
 * if (!(await verifier.verify(operation))) throw new Error("bad signature");
 */
export function createSignatureVerifier(
  domain: LedgerDomain,
  prefer: "native" | "noble" = "native",
): SignatureVerifier {
  const secp = prefer === "native" ? loadNative() : null;
  if (!secp) {
    return {
      implementation: "noble",
      verify: (operation) => verifyRecordSignature({ domain, operation }),
    };
  }
  const separator = Buffer.from(domainSeparator({ domain }).slice(2), "hex");
  return {
    implementation: "native",
    async verify(operation) {
      const { signature, source } = operation;
      if (typeof signature !== "string" || !SIGNATURE.test(signature)) return false;
      const sig = Buffer.from(signature.slice(2), "hex");
      const v = sig[64];
      if ((v !== 27 && v !== 28) || Buffer.compare(sig.subarray(32, 64), HALF_N) > 0) return false;
      const digest = recordDigest(separator, operation);
      if (!digest) return false;
      let publicKey: Uint8Array;
      try {
        publicKey = secp.ecdsaRecover(sig.subarray(0, 64), v - 27, digest, false);
      } catch {
        return false; // r or s zero or not below the group order, or no point for r
      }
      const address = Buffer.from(keccak256Bytes(publicKey.subarray(1)))
        .toString("hex")
        .slice(-40);
      return typeof source === "string" && address === source.slice(2).toLowerCase();
    },
  };
}
