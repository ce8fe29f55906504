import type { Address, Hex } from "viem";
import { isAddress } from "viem";
import { z } from "zod";

import { MAX_UINT32, MAX_UINT48 } from "../shared/uint48.js";

// The wire types of DataLedger, defined once: the R2D gateway validates requests with them and
// documents them in its OpenAPI document, the U2S service documents receipts with them, and the
// SDK types its records, operations and receipts by inference and checks receipts with them. Plain
// zod (no HTTP framework): `.meta({ id })` makes each a named OpenAPI component wherever a Hono
// app uses it.

// Stryker disable StringLiteral,ObjectLiteral: descriptions, examples, ids and messages document
// the wire types (held by the OpenAPI document tests); what verifyReceipt reports of a bad receipt
// is the failing field's path, which its tests check (the block-receipt fields below stay mutated).

/** A string schema whose TypeScript type is a viem hex type, checked by `pattern`. */
function hexString<T extends Hex>(pattern: RegExp, message: string) {
  // The cast narrows the inferred type only; the runtime check is the pattern.
  return z.string().regex(pattern, message) as unknown as z.ZodType<T, T>;
}

/** 32 bytes as 0x-prefixed hex (hashes, ids, roots). */
export const Bytes32Schema = hexString<Hex>(/^0x[0-9a-fA-F]{64}$/, "32-byte hex");

/** Any whole number of bytes as 0x-prefixed hex (signatures). */
export const HexBytesSchema = hexString<Hex>(/^0x(?:[0-9a-fA-F]{2})*$/, "hex bytes");

/**
 * A 20-byte address. A mixed-case address must carry its EIP-55 checksum (all lower or all upper
 * case needs none): a wrong checksum is a corrupted value, not another spelling.
 */
export const AddressSchema = (
  z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "20-byte hex address")
    .refine(
      (value) => isAddress(value, { strict: true }),
      "EIP-55 checksum mismatch",
    ) as unknown as z.ZodType<Address, Address>
).meta({ example: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" });

/** Unix seconds in a uint48, the width of every time field on-chain. */
export const Uint48Schema = z.number().int().min(0).max(MAX_UINT48);

/** A uint32 (signing epochs, leaf positions). */
export const Uint32Schema = z.number().int().min(0).max(MAX_UINT32);

/** Longest `uri` a gateway takes (R2D); the contract itself has no limit. */
export const MAX_URI_LENGTH = 2048;

/**
 * What a data source states about one data item (Y.4561 clause 8.6 step 3); mirrors the
 * contract's `RecordInput`. Not keyed by its data hash: the record id is `recordId(source, record)`.
 */
export const LedgerRecordSchema = z
  .object({
    dataHash: Bytes32Schema.meta({
      description: "keccak256 of the canonical (RFC 8785) payload; not the record id",
    }),
    formatId: Bytes32Schema.meta({ description: "Id of the registered format" }),
    metadataHash: Bytes32Schema.meta({
      description: "keccak256 of the canonical metadata document, zero hash when none",
    }),
    sampledAt: Uint48Schema.meta({ description: "When the source produced the data (its clock)" }),
    uri: z.string().max(MAX_URI_LENGTH).meta({ description: "Where the payload can be fetched" }),
  })
  .meta({ id: "LedgerRecord" });

/** A source-signed record; mirrors the contract's `SignedOperation`, the unit of a data block. */
export const SignedOperationSchema = z
  .object({
    source: AddressSchema.meta({ description: "The signing key the record is attributed to" }),
    record: LedgerRecordSchema,
    deadline: Uint48Schema.meta({ description: "Last unix second the signature may be used" }),
    epoch: Uint32Schema.meta({
      description:
        "The source's signing epoch the signature was made in (getSource(id).epoch): 0 at " +
        "registration, one more at every suspension, reactivation, revocation and key rotation; " +
        "only the current one is accepted (SIGNATURE_STALE_EPOCH otherwise)",
    }),
    signature: HexBytesSchema.meta({
      description: "65-byte EIP-712 signature over (record, deadline, epoch)",
    }),
  })
  .meta({ id: "SignedOperation" });

/** A record id: the ledger's `recordIdOf(source, dataHash, sampledAt)`, not the data hash. */
export const RecordIdSchema = Bytes32Schema.meta({
  description: "keccak256(abi.encode(source, dataHash, sampledAt)): the ledger's recordIdOf",
});

/**
 * What a gateway hands back for an anchored record. A verifier trusts none of it: `verifyReceipt`
 * rechecks every field against the payload and the chain. A block receipt carries the block's id,
 * root, the operation's position and its proof; a record receipt none of them.
 */
export const ReceiptSchema = z
  .object({
    recordId: RecordIdSchema,
    dataHash: Bytes32Schema,
    kind: z.enum(["block", "record"]).meta({
      description: '"block": anchored inside a data block; "record": anchored on its own (relayed)',
    }),
    operation: SignedOperationSchema,
    blockId: Bytes32Schema.optional().meta({
      description: "block: the ledger's key of the block, dataBlockIdOf(gateway, root)",
    }),
    root: Bytes32Schema.optional().meta({ description: "block: the Merkle root anchored" }),
    leafIndex: Uint32Schema.optional().meta({
      description: "block: the operation's position in the block's positional tree (< count)",
    }),
    proof: z
      .array(Bytes32Schema)
      .optional()
      .meta({
        description:
          "block: siblings from the leaf leafHash(gateway, operation) to the root, exactly the " +
          "block's depth ceil(log2(count)) of them",
      }),
    txHash: Bytes32Schema.optional().meta({ description: "Anchoring transaction (informative)" }),
    blockNumber: z.number().int().min(0).optional().meta({ description: "Informative only" }),
    anchoredAt: Uint48Schema.optional().meta({
      description: "Timestamp of the anchoring block (informative only)",
    }),
  })
  // Stryker restore StringLiteral
  .superRefine((receipt, context) => {
    if (receipt.kind !== "block") return;
    for (const field of ["blockId", "root", "leafIndex", "proof"] as const) {
      if (receipt[field] === undefined) {
        context.addIssue({
          code: "custom",
          path: [field],
          message: `a block receipt has ${field}`,
        });
      }
    }
  })
  // Stryker disable StringLiteral
  .meta({ id: "Receipt", description: "Check it with the SDK's verifyReceipt against the chain." });

// Stryker disable all: the R2D envelope schemas below are the gateway's, held by its accept-path
// and OpenAPI document tests; verifyReceipt does not use them.

/** Where an accepted record is in the gateway's pipeline. */
export const RecordStatusSchema = z
  .enum(["accepted", "packed", "submitted", "anchored", "failed"])
  .meta({ id: "RecordStatus" });

/** The path a gateway anchors an accepted record by. */
export const AnchoringModeSchema = z.enum(["block", "relayed"]);

/** The error body of every DataLedger API: a stable code, a message and structured details. */
export const ErrorBodySchema = z.object({
  code: z.string().meta({ example: "ACCESS_DENIED" }),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const ErrorSchema = z.object({ error: ErrorBodySchema }).meta({ id: "Error" });

/** One record for the gateway (R2D): the signed operation and the payload it hashes. */
export const SubmissionSchema = z
  .object({
    operation: SignedOperationSchema,
    // Any JSON value, but present: `z.unknown()` alone would let a missing payload through.
    payload: z
      .unknown()
      .refine((value): boolean => value !== undefined, "payload is required")
      .meta({ description: "The data item; its RFC 8785 canonical hash must be dataHash" }),
    mode: AnchoringModeSchema.optional().meta({
      description:
        '"relayed": anchored on its own with submitRecordBySig. Default "block": packed into a ' +
        "data block. A record of a format with unique data hashes (FORMAT_UNIQUE_DATA_HASHES) " +
        "is always relayed, whatever is asked: the ledger enforces the one-holder rule only on " +
        "records and strikes such an operation from a block (UniqueDataHashFormat); the " +
        "answer's mode says which path the record takes",
    }),
  })
  .meta({ id: "Submission" });

const modeTaken = AnchoringModeSchema.meta({
  description:
    "The path the record is anchored by: the one asked, except that a format with unique data " +
    'hashes is always "relayed"',
});

/** The gateway's answer to an accepted submission. */
export const AcceptedSchema = z
  .object({ recordId: RecordIdSchema, status: RecordStatusSchema, mode: modeTaken })
  .meta({ id: "Accepted" });

/** The gateway's verdict on one submission of a bulk request: accepted, or refused with why. */
export const VerdictSchema = z
  .object({
    index: z.number().int().min(0),
    recordId: RecordIdSchema.optional(),
    status: RecordStatusSchema.optional(),
    mode: modeTaken.optional(),
    error: ErrorBodySchema.optional(),
  })
  .meta({ id: "Verdict" });

export const BulkResultSchema = z
  .object({ results: z.array(VerdictSchema) })
  .meta({ id: "BulkResult" });

/** A record's state at the gateway, with its receipt once anchored. */
export const RecordStateSchema = z
  .object({
    recordId: RecordIdSchema,
    status: RecordStatusSchema,
    mode: AnchoringModeSchema,
    blockId: Bytes32Schema.optional().meta({
      description: "Once packed: the data block's ledger key, dataBlockIdOf(gateway, root)",
    }),
    root: Bytes32Schema.optional().meta({ description: "Once packed: the data block's root" }),
    // Once anchored. No description of its own here: a `.meta()` on the field would inline the
    // Receipt component instead of referring to it.
    receipt: ReceiptSchema.optional(),
    failure: z.record(z.string(), z.unknown()).optional().meta({
      description: "Why a relayed record can never be anchored (its ledger revert)",
    }),
  })
  .meta({ id: "RecordState" });

export type LedgerRecord = z.infer<typeof LedgerRecordSchema>;
export type SignedOperation = z.infer<typeof SignedOperationSchema>;
export type Receipt = z.infer<typeof ReceiptSchema>;
export type RecordStatus = z.infer<typeof RecordStatusSchema>;
export type AnchoringMode = z.infer<typeof AnchoringModeSchema>;
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
export type Submission = z.infer<typeof SubmissionSchema>;
export type Accepted = z.infer<typeof AcceptedSchema>;
export type Verdict = z.infer<typeof VerdictSchema>;
export type RecordState = z.infer<typeof RecordStateSchema>;
