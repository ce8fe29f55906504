import { getAddress, isAddress, isHex, size, type Address, type Hex } from "viem";
import { z } from "zod";

import { dataBlockTreeOfLeaves } from "../../sdk/buildDataBlockTree.js";
import { leafHash } from "../../sdk/leafHash.js";
import type { SignedOperation } from "../../sdk/wire.js";
import type { BlobStore } from "../../storage/BlobStore.js";
import { MAX_UINT32, MAX_UINT48 } from "../../shared/uint48.js";

/** Why a data block's published document cannot be trusted to describe the anchored root. */
export type UnverifiableReason =
  | "URI_NOT_BLOB"
  | "DOCUMENT_NOT_FOUND"
  | "DOCUMENT_UNREADABLE"
  | "DOCUMENT_MALFORMED"
  | "ROOT_MISMATCH"
  | "COUNT_MISMATCH";

export type BlockDocumentResult =
  | {
      verification: "verified";
      /**
       * The operations in document order, which is leaf order: operation i with its leaf
       * `leafHash(gateway, operation)` and its proof at index i under the anchored root.
       */
      leaves: { operation: SignedOperation; leaf: Hex; proof: Hex[] }[];
      /**
       * How many of the anchored count's slots the document leaves empty (zero in the tree):
       * more than 0 means the block's count is provably too high (the judge's
       * `challengeCount`, WrongCount), though every listed operation is in it.
       */
      emptySlots: number;
    }
  | { verification: "unverifiable"; reason: UnverifiableReason };

const word = z.string().refine((v) => isHex(v, { strict: true }) && size(v as Hex) === 32);
const uint48 = z.number().int().min(0).max(MAX_UINT48);
const uint32 = z.number().int().min(0).max(MAX_UINT32);
const operationSchema = z.object({
  source: z.string().refine((v) => isAddress(v, { strict: false })),
  record: z.object({
    dataHash: word,
    formatId: word,
    metadataHash: word,
    sampledAt: uint48,
    uri: z.string(),
  }),
  deadline: uint48,
  // The source's signing epoch: in the signed struct, so in the leaf, and the judge's StaleEpoch.
  epoch: uint32,
  signature: z.string().refine((v) => isHex(v, { strict: true })),
});
/** Most empty slots a document may leave below the count: a count of 2^32 costs no gas to claim. */
const MAX_EMPTY_SLOTS = 1 << 16;

const documentSchema = z.object({ root: word, operations: z.array(operationSchema).min(1) });

/**
 * Fetches the document a gateway published for a data block (`blob:0x<keccak256>` in the
 * DataBlockAnchored uri) and checks it against the chain: the positional Merkle tree of its
 * operations, in document order and hashed with the anchoring gateway (data block protocol v3),
 * must have the root the event anchored, and their number must be the event's count, or less
 * when the slots up to the count are empty (a count too high: the listed operations are still
 * provably in the block, and `emptySlots` says by how much the count lies). Only then are the
 * operations worth indexing; otherwise the block is `unverifiable` with a reason. The document's
 * own `root` field is not trusted, only recomputed.
 *
 * @example
 * const result = await loadBlockDocument(blobs, event.uri, event.gateway, event.root, event.count);
 * if (result.verification === "verified") for (const { operation, proof } of result.leaves) …
 */
export async function loadBlockDocument(
  blobs: BlobStore,
  uri: string,
  gateway: Address,
  root: Hex,
  count: number,
): Promise<BlockDocumentResult> {
  const match = /^blob:(0x[0-9a-fA-F]{64})$/.exec(uri);
  if (!match) return { verification: "unverifiable", reason: "URI_NOT_BLOB" };
  let bytes: Uint8Array | undefined;
  try {
    bytes = await blobs.get(match[1] as Hex);
  } catch {
    // A corrupted blob is as useless as a missing one; the supervisor sees the reason.
    return { verification: "unverifiable", reason: "DOCUMENT_UNREADABLE" };
  }
  if (!bytes) return { verification: "unverifiable", reason: "DOCUMENT_NOT_FOUND" };

  let parsed: z.infer<typeof documentSchema>;
  try {
    parsed = documentSchema.parse(
      JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)),
    );
  } catch {
    return { verification: "unverifiable", reason: "DOCUMENT_MALFORMED" };
  }
  const operations: SignedOperation[] = parsed.operations.map((op) => ({
    source: getAddress(op.source),
    record: {
      dataHash: op.record.dataHash.toLowerCase() as Hex,
      formatId: op.record.formatId.toLowerCase() as Hex,
      metadataHash: op.record.metadataHash.toLowerCase() as Hex,
      sampledAt: op.record.sampledAt,
      uri: op.record.uri,
    },
    deadline: op.deadline,
    epoch: op.epoch,
    signature: op.signature as Hex,
  }));
  if (operations.length > count || count > MAX_EMPTY_SLOTS + operations.length) {
    return { verification: "unverifiable", reason: "COUNT_MISMATCH" };
  }

  const zero: Hex = `0x${"00".repeat(32)}`;
  const leaves = operations.map((operation) => leafHash(gateway, operation));
  const tree = dataBlockTreeOfLeaves(gateway, [
    ...leaves,
    ...Array<Hex>(count - operations.length).fill(zero),
  ]);
  if (tree.root !== root.toLowerCase()) {
    return {
      verification: "unverifiable",
      reason: operations.length === count ? "ROOT_MISMATCH" : "COUNT_MISMATCH",
    };
  }
  return {
    verification: "verified",
    leaves: operations.map((operation, i) => ({
      operation,
      leaf: leaves[i],
      proof: tree.proof(i),
    })),
    emptySlots: count - operations.length,
  };
}
