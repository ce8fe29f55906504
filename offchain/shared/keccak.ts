import { createKeccak } from "hash-wasm";
import type { Address, Hex } from "viem";

// The accept path hashes about ten times per record (payload, operation, EIP-712 struct and
// digest, recovered key, Merkle leaf and nodes). viem's keccak256 (noble, plus hex conversion)
// costs 8–37 µs per call on the reference machine, hash-wasm's WebAssembly keccak 1–4 µs: at
// thousands of records per second that difference is most of a core. One hasher is reused:
// init/update/digest run synchronously, so calls cannot interleave.
const hasher = await createKeccak(256);

/**
 * keccak256 of `data` as 32 bytes, synchronously (WebAssembly, for the gateway's hot path; the
 * SDK keeps viem's `keccak256`, which gives the same digests).
 *
 * @example
 * const digest = keccak256Bytes(new TextEncoder().encode("abc"));
 */
export function keccak256Bytes(data: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(data);
  return hasher.digest("binary");
}

/**
 * keccak256 of `data` as lower-case 0x-hex.
 *
 * @example
 * const hash = keccak256Hex(payloadBytes); // equals viem's keccak256(payloadBytes)
 */
export function keccak256Hex(data: Uint8Array | string): Hex {
  hasher.init();
  hasher.update(data);
  return `0x${hasher.digest("hex")}`;
}

/**
 * The EIP-55 checksummed spelling of a 20-byte hex address (same result as viem's `getAddress`
 * for well-formed input; the caller has checked the shape).
 *
 * @example
 * checksumAddress("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"); // "0xf39Fd6e5…"
 */
export function checksumAddress(address: string): Address {
  let spelled = checksums.get(address);
  if (spelled === undefined) {
    // A gateway sees the same few thousand source keys over and over.
    if (checksums.size >= 10_000) checksums.clear();
    spelled = computeChecksum(address);
    checksums.set(address, spelled);
  }
  return spelled;
}

const checksums = new Map<string, Address>();

function computeChecksum(address: string): Address {
  const lower = address.slice(2).toLowerCase();
  const hash = keccak256Hex(lower);
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const c = lower[i];
    out += c > "9" && parseInt(hash[i + 2], 16) >= 8 ? c.toUpperCase() : c;
  }
  return out as Address;
}
