import { keccak256, stringToBytes, type Address, type Hex } from "viem";

import { recordIdPreimage } from "../sdk/recordId.js";
import type { LedgerRecord, SignedOperation } from "../sdk/wire.js";
import { keccak256Bytes, keccak256Hex } from "../shared/keccak.js";
import { isUint32, isUint48 } from "../shared/uint48.js";

// The SDK's hashRecordStruct/leafHash (viem) are the reference; these give the same bytes with
// the gateway's fast keccak and no ABI encoder, for the per-record hot path.

// keccak256("Record(bytes32 dataHash,bytes32 formatId,bytes32 metadataHash,uint48 sampledAt,string uri,uint48 deadline,uint32 epoch)")
const RECORD_TYPEHASH = keccak256(
  stringToBytes(
    "Record(bytes32 dataHash,bytes32 formatId,bytes32 metadataHash,uint48 sampledAt,string uri,uint48 deadline,uint32 epoch)",
  ),
  "bytes",
);

/**
 * Writes `value`, which must be "0x" and exactly `bytes` bytes of hex, into `target` at
 * `offset`; false (having written a prefix at most) otherwise. The write itself is the check:
 * Node stops decoding hex at the first character that is not, and a regex test first cost as
 * much as the write.
 */
function writeHex(target: Buffer, value: unknown, offset: number, bytes: number): boolean {
  return (
    typeof value === "string" &&
    value.length === 2 + 2 * bytes &&
    value.startsWith("0x") &&
    target.write(value.slice(2), offset, bytes, "hex") === bytes
  );
}

/**
 * The bytes of `value` when it is "0x" and exactly `bytes` bytes of hex (either case), else
 * undefined.
 *
 * @example
 * const signature = hexBytes(operation.signature, 65);
 */
export function hexBytes(value: unknown, bytes: number): Buffer | undefined {
  if (typeof value !== "string" || value.length !== 2 + 2 * bytes || !value.startsWith("0x")) {
    return undefined;
  }
  const decoded = Buffer.from(value.slice(2), "hex");
  return decoded.length === bytes ? decoded : undefined;
}

/**
 * The EIP-712 struct hash of a record with its deadline and signing epoch (the contract's
 * `RecordHashing.structHash`), or undefined when a field cannot be encoded (wrong hex length,
 * not a uint48 or uint32, uri not a string).
 *
 * @example
 * const structHash = recordStructHash(operation.record, operation.deadline, operation.epoch);
 */
export function recordStructHash(
  record: LedgerRecord,
  deadline: number,
  epoch: number,
): Uint8Array | undefined {
  const { dataHash, formatId, metadataHash, sampledAt, uri } = record;
  if (!isUint48(sampledAt) || !isUint48(deadline) || !isUint32(epoch) || typeof uri !== "string") {
    return;
  }
  const struct = STRUCT; // every field below is written in full; the uint48 padding stays 0
  if (
    !writeHex(struct, dataHash, 32, 32) ||
    !writeHex(struct, formatId, 64, 32) ||
    !writeHex(struct, metadataHash, 96, 32)
  ) {
    return;
  }
  struct.writeUIntBE(sampledAt, 128 + 26, 6);
  struct.set(keccak256Bytes(Buffer.from(uri, "utf8")), 160);
  struct.writeUIntBE(deadline, 192 + 26, 6);
  struct.writeUInt32BE(epoch, 224 + 28);
  return keccak256Bytes(struct);
}

// Scratch buffers for the encodings hashed below (hashing is synchronous, so no call can see
// another's bytes); a zero-filled allocation per hash was a visible share of the accept path.
const STRUCT = Buffer.alloc(8 * 32);
STRUCT.set(RECORD_TYPEHASH, 0);
const MESSAGE = Buffer.alloc(66);
MESSAGE[0] = 0x19;
MESSAGE[1] = 0x01;
const LEAF = Buffer.alloc(5 * 32);

// The accept path hashes an operation's struct for its digest and the batcher again for its
// leaf; both get the same operation object (normalized once, never changed after), so the
// second time is a lookup.
const structHashes = new WeakMap<object, Uint8Array | undefined>();

function cachedStructHash(
  operation: Pick<SignedOperation, "record" | "deadline" | "epoch">,
): Uint8Array | undefined {
  if (structHashes.has(operation)) return structHashes.get(operation);
  const structHash = recordStructHash(operation.record, operation.deadline, operation.epoch);
  structHashes.set(operation, structHash);
  return structHash;
}

/**
 * `\x19\x01 ‖ domainSeparator ‖ structHash`, hashed: the digest a source signs.
 *
 * @example
 * const digest = recordDigest(separator, operation);
 */
export function recordDigest(
  separator: Uint8Array,
  operation: Pick<SignedOperation, "record" | "deadline" | "epoch">,
): Uint8Array | undefined {
  const structHash = cachedStructHash(operation);
  if (!structHash) return;
  MESSAGE.set(separator, 2);
  MESSAGE.set(structHash, 34);
  return keccak256Bytes(MESSAGE);
}

/**
 * A leaf of `gateway`'s data block as the ledger's `leafHash(gateway, operation)` computes it
 * (the SDK's `leafHash`): keccak256(keccak256(abi.encode(gateway, source, structHash, deadline,
 * keccak256(signature)))), the epoch inside the struct hash.
 *
 * @throws {TypeError} when a field or the gateway cannot be encoded (operations reach the
 * batcher validated).
 *
 * @example
 * const leaf = operationLeaf(gatewayAddress, operation); // 32 bytes
 */
export function operationLeaf(gateway: Address, operation: SignedOperation): Uint8Array {
  const { source, record, deadline, signature } = operation;
  const structHash = cachedStructHash(operation);
  const encoded = LEAF; // address and uint48 padding stay 0
  const signatureBytes = hexBytes(signature, 65);
  if (
    !structHash ||
    !signatureBytes ||
    !writeHex(encoded, gateway, 12, 20) ||
    !writeHex(encoded, source, 32 + 12, 20)
  ) {
    throw new TypeError(`operation ${record?.dataHash} cannot be encoded as a leaf`);
  }
  encoded.set(structHash, 64);
  encoded.writeUIntBE(deadline, 96 + 26, 6);
  encoded.set(keccak256Bytes(signatureBytes), 128);
  return keccak256Bytes(keccak256Bytes(encoded));
}

/**
 * The record id of a signed operation, `recordIdOf(source, dataHash, sampledAt)`: the SDK's
 * `recordIdPreimage` (the one encoding of the rule) hashed with the fast keccak instead of
 * viem's, as lower-case hex.
 *
 * @throws {TypeError} when the source, data hash or sampling time cannot be encoded.
 *
 * @example
 * const id = operationRecordId(operation); // equals the SDK's recordId(source, record)
 */
export function operationRecordId(operation: {
  source: Address;
  record: Pick<LedgerRecord, "dataHash" | "sampledAt">;
}): Hex {
  return keccak256Hex(recordIdPreimage(operation.source, operation.record));
}
