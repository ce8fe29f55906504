import { z } from "@hono/zod-openapi";
import { AddressSchema, Bytes32Schema, ErrorSchema, ReceiptSchema } from "../sdk/wire.js";
import { MAX_UINT48 } from "../shared/uint48.js";

// Request and response shapes of the U2S API, shared by the route files so the OpenAPI document
// has one component per concept. The wire types it shares with R2D and the SDK (addresses,
// receipts, the error body) come from offchain/sdk/wire.ts.

export { AddressSchema, ErrorSchema };
export const Hex32 = Bytes32Schema.meta({
  example: "0x5fe7f977e71dba2ea1a68e21057beebb9be2ac30c6410aa38d4f3fbe41dcffd2",
});
/** uint64 ids as decimal strings (JSON numbers lose precision past 2^53). */
export const Uint64String = z
  .string()
  // One check, not regex + refine: zod runs every check, and BigInt() throws on non-digits.
  .refine((v) => /^[0-9]{1,20}$/.test(v) && BigInt(v) < 2n ** 64n, "decimal uint64")
  .openapi({ type: "string", pattern: "^[0-9]{1,20}$", example: "1" });
export const UnixSeconds = z.coerce
  .number()
  .int()
  .min(0)
  .max(MAX_UINT48)
  // Spelled out: the generator takes anything that coerces null for nullable, and a query
  // parameter is never null. A `type` of our own replaces the bounds, so they are repeated.
  .openapi({ type: "integer", minimum: 0, maximum: MAX_UINT48 });

export const RecordSchema = z
  .object({
    recordId: Hex32.meta({
      description:
        "The ledger's key for the record: keccak256(abi.encode(sourceKey, dataHash, sampledAt)). " +
        "Records of two sources (or two sampling times) with one payload share the data hash only.",
    }),
    dataHash: Hex32,
    kind: z.enum(["direct", "relayed", "block"]),
    sourceKey: AddressSchema,
    sourceId: Uint64String.nullable(),
    formatId: Hex32,
    metadataHash: Hex32,
    sampledAt: z.number(),
    uri: z.string(),
    status: z.enum(["active", "superseded", "revoked", "disputed"]),
    anchoredAt: z.number(),
    blockNumber: z.number(),
    blockHash: Hex32,
    txHash: Hex32,
    logIndex: z.number(),
    leafIndex: z.number().nullable(),
    blockId: Hex32.nullable().meta({
      description: "The data block's ledger key, dataBlockIdOf(gateway, root); null off blocks",
    }),
    root: Hex32.nullable(),
    proof: z.array(Hex32).nullable(),
    blockDisputes: z
      .array(
        z.object({
          reason: z.string().openapi({
            description:
              "The judge's DisputeReason: one struck operation (InvalidSignature, …), or " +
              "WrongCount, the block's count proved wrong (its operations stay valid)",
          }),
          leaf: Hex32,
        }),
      )
      .nullable()
      .openapi({
        description: "Every dispute proved against the record's data block so far; null off blocks",
      }),
    finalized: z.boolean(),
    // Not `.nullable()`: on a named schema the generator marks the Receipt component itself
    // nullable, and every other use of it with it.
    receipt: z.union([ReceiptSchema, z.null()]),
  })
  .openapi("Record");

export const bearerSecurity = [{ bearer: [] }];

/**
 * The error responses a route can give, documented once per status, each with the one error
 * shape; 500 (INTERNAL, a fault of ours) is documented on every route that calls this.
 */
export function errorResponses(
  ...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 503)[]
) {
  const descriptions = {
    400: "VALIDATION_FAILED",
    401: "UNAUTHENTICATED, SESSION_EXPIRED or SIWE_INVALID",
    403: "ACCESS_DENIED",
    404: "NOT_FOUND, PAYLOAD_NOT_FOUND, READER_KEY_NOT_FOUND or KEY_WRAP_NOT_FOUND",
    409: "READER_KEY_STALE: a newer reader key of the account is registered",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE: the body is not of a media type the route takes",
    422: "READER_KEY_INVALID or KEY_WRAPS_INVALID: a signature or wrap does not hold up",
    500: "INTERNAL",
    503: "CHAIN_UNAVAILABLE: retry later",
  } as const;
  return Object.fromEntries(
    [...statuses, 500 as const].map((s) => [
      s,
      { description: descriptions[s], content: { "application/json": { schema: ErrorSchema } } },
    ]),
  );
}
