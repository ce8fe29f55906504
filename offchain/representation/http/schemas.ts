import { z } from "@hono/zod-openapi";
import { MAX_UINT32, MAX_UINT48 } from "../../shared/uint48.js";

// Zod schemas of the R2D reference point (device → representation gateway). They check the
// envelope only; what the envelope claims (hash, signature, source, format) is checked by
// validateSubmission against the payload and the chain.

const word = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "32-byte hex");
const uint48 = z.number().int().min(0).max(MAX_UINT48);
const uint32 = z.number().int().min(0).max(MAX_UINT32);

export const RecordSchema = z
  .object({
    dataHash: word,
    formatId: word,
    metadataHash: word,
    sampledAt: uint48,
    uri: z.string().max(2048),
  })
  .openapi("Record");

export const SignedOperationSchema = z
  .object({
    source: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "20-byte hex address"),
    record: RecordSchema,
    deadline: uint48,
    epoch: uint32.openapi({
      description:
        "The source's signing epoch the signature was made in (getSource(id).epoch): only the " +
        "current one is accepted (SIGNATURE_STALE_EPOCH otherwise)",
    }),
    // Any hex length passes the envelope; a wrong length is SIGNATURE_INVALID, not a 400.
    signature: z.string().regex(/^0x(?:[0-9a-fA-F]{2})*$/, "hex"),
  })
  .openapi("SignedOperation");

export const SubmissionSchema = z
  .object({
    operation: SignedOperationSchema,
    // Any JSON value, but present: `z.unknown()` alone would let a missing payload through.
    payload: z
      .unknown()
      .refine((value) => value !== undefined, "payload is required")
      .openapi({ description: "The data item; its RFC 8785 canonical hash must be dataHash" }),
    mode: z
      .enum(["block", "relayed"])
      .optional()
      .openapi({
        description:
          '"relayed": anchored on its own with submitRecordBySig. Default "block": packed into a ' +
          "data block. A record of a format with unique data hashes (FORMAT_UNIQUE_DATA_HASHES) " +
          "is always relayed, whatever is asked: the ledger enforces the one-holder rule only on " +
          "records and strikes such an operation from a block (UniqueDataHashFormat); the " +
          "answer's mode says which path the record takes",
      }),
  })
  .openapi("Submission");

export type Submission = z.infer<typeof SubmissionSchema>;

export const RecordStatusSchema = z.enum(["accepted", "packed", "submitted", "anchored", "failed"]);

// A record id is the ledger's recordIdOf(source, dataHash, sampledAt), not the data hash.
const recordIdWord = word.openapi({
  description: "keccak256(abi.encode(source, dataHash, sampledAt)): the ledger's recordIdOf",
});

const modeTaken = z.enum(["block", "relayed"]).openapi({
  description:
    "The path the record is anchored by: the one asked, except that a format with unique data " +
    'hashes is always "relayed"',
});

export const AcceptedSchema = z
  .object({ recordId: recordIdWord, status: RecordStatusSchema, mode: modeTaken })
  .openapi("Accepted");

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  })
  .openapi("Error");

export const VerdictSchema = z
  .object({
    index: z.number().int(),
    recordId: recordIdWord.optional(),
    status: RecordStatusSchema.optional(),
    mode: modeTaken.optional(),
    error: ErrorSchema.shape.error.optional(),
  })
  .openapi("Verdict");

export const BulkResultSchema = z.object({ results: z.array(VerdictSchema) }).openapi("BulkResult");

export const ReceiptSchema = z
  .object({
    recordId: recordIdWord,
    dataHash: word,
    kind: z.enum(["block", "record"]),
    operation: SignedOperationSchema,
    blockId: word.optional().openapi({
      description: "block: the ledger's key of the block, dataBlockIdOf(gateway, root)",
    }),
    root: word.optional(),
    leafIndex: z
      .number()
      .int()
      .min(0)
      .optional()
      .openapi({ description: "block: the operation's position in the block's tree" }),
    proof: z
      .array(word)
      .optional()
      .openapi({ description: "block: siblings from the leaf to the root, ceil(log2(count))" }),
    txHash: word.optional(),
    blockNumber: z.number().int().optional(),
    anchoredAt: z.number().int().optional(),
  })
  .openapi("Receipt");

export const RecordStateSchema = z
  .object({
    recordId: recordIdWord,
    status: RecordStatusSchema,
    mode: z.enum(["block", "relayed"]),
    blockId: word.optional(),
    root: word.optional(),
    receipt: ReceiptSchema.optional(),
    failure: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("RecordState");

export const RecordIdParamSchema = z.object({
  recordId: word.openapi({ param: { name: "recordId", in: "path" } }),
});
