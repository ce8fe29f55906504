import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { isAddressEqual, type Hex } from "viem";

import { verifyReaderKey } from "../sdk/readerKey.js";
import { recordId as recordIdOf } from "../sdk/recordId.js";
import { parseKeyWrap, type KeyWrap } from "../sdk/sealedEnvelope.js";
import { recoverKeyWrapsSigner } from "../sdk/signKeyWraps.js";
import { BaseError } from "../shared/BaseError.js";
import { MAX_UINT48 } from "../shared/uint48.js";
import {
  AccessDeniedError,
  KeyWrapNotFoundError,
  KeyWrapsInvalidError,
  NotFoundError,
  ReaderKeyInvalidError,
  ReaderKeyNotFoundError,
  ReaderKeyStaleError,
} from "./errors.js";
import { mayReadRecord } from "./mayReadRecord.js";
import { AddressSchema, Hex32, Uint64String, bearerSecurity, errorResponses } from "./schemas.js";
import type { ServiceContext } from "./ServiceContext.js";

/** Most wraps one request stores: a dataset's readers plus the operator, with room to spare. */
const MAX_WRAPS = 64;

const HexSignature = z.string().regex(/^0x[0-9a-fA-F]{130}$/, "65-byte signature");

const ReaderKeySchema = z
  .object({
    account: AddressSchema,
    encryptionKey: Hex32.meta({ description: "X25519 public key" }),
    issuedAt: z.number().int().min(0).max(MAX_UINT48),
    signature: HexSignature.openapi({
      description:
        "The account's EIP-712 signature of ReaderKey(address account,bytes32 encryptionKey," +
        "uint48 issuedAt) in the ledger's domain",
    }),
  })
  .openapi("ReaderKey");

const KeyWrapSchema = z
  .object({
    readerKey: Hex32,
    ephemeralKey: Hex32,
    nonce: z.string(),
    wrappedKey: z.string(),
  })
  .openapi("KeyWrap", {
    description: "A record's data key wrapped for one reader key (ECIES, X25519)",
  });

const AccountParams = z.object({
  account: AddressSchema.meta({ param: { name: "account", in: "path" } }),
});
const RecordIdParams = z.object({
  recordId: Hex32.meta({ param: { name: "recordId", in: "path" } }),
});

const putReaderKeyRoute = createRoute({
  method: "put",
  path: "/v1/reader-keys",
  tags: ["confidential"],
  summary: "Register the encryption key confidential payloads are wrapped for",
  description:
    "A data user's X25519 public key, vouched for by the account's EIP-712 signature (no " +
    "session needed: the signature is the authority, and devices check it again before " +
    "wrapping). The newest issuedAt wins; an older statement is refused (READER_KEY_STALE).",
  request: { body: { content: { "application/json": { schema: ReaderKeySchema } } } },
  responses: {
    200: {
      description: "Stored",
      content: { "application/json": { schema: ReaderKeySchema } },
    },
    ...errorResponses(400, 409, 422),
  },
});

const getReaderKeyRoute = createRoute({
  method: "get",
  path: "/v1/reader-keys/{account}",
  tags: ["confidential"],
  summary: "An account's signed reader key",
  request: { params: AccountParams },
  responses: {
    200: {
      description: "The statement",
      content: { "application/json": { schema: ReaderKeySchema } },
    },
    ...errorResponses(400, 404),
  },
});

const datasetReaderKeysRoute = createRoute({
  method: "get",
  path: "/v1/datasets/{datasetId}/reader-keys",
  tags: ["confidential"],
  summary: "The reader keys a device seals a dataset's payloads for",
  description:
    "The registered reader keys of accounts holding a live grant on the dataset now " +
    "(AccessRegistry.hasAccess at the latest block): a revoked or expired grantee is not " +
    "listed, so records sealed afterwards carry no wrap for it. Verify each statement's " +
    "signature (the SDK's verifyReaderKey) before wrapping.",
  request: {
    params: z.object({
      datasetId: Uint64String.openapi({ param: { name: "datasetId", in: "path" } }),
    }),
  },
  responses: {
    200: {
      description: "The statements",
      content: {
        "application/json": { schema: z.object({ readerKeys: z.array(ReaderKeySchema) }) },
      },
    },
    ...errorResponses(400, 503),
  },
});

const putWrapsRoute = createRoute({
  method: "put",
  path: "/v1/records/{recordId}/wraps",
  tags: ["confidential"],
  summary: "Store a record's data key wraps, one per reader key",
  description:
    "Signed (EIP-712 KeyWraps(bytes32 recordId,bytes32 wrapsHash), wrapsHash = keccak256 of the " +
    "wraps' canonical JSON) by the record's source key, proved by `dataHash` and `sampledAt` " +
    "(recordId = recordIdOf(signer, dataHash, sampledAt), so the record need not be indexed " +
    "yet; the key must be bound to a source on-chain), or by an account holding OPERATOR_ROLE (re-wraps for new readers). A wrap replaces " +
    "the stored one of the same (record, reader key).",
  request: {
    params: RecordIdParams,
    body: {
      content: {
        "application/json": {
          schema: z.object({
            wraps: z.array(KeyWrapSchema).min(1).max(MAX_WRAPS),
            signer: AddressSchema,
            signature: HexSignature,
            dataHash: Hex32.optional(),
            sampledAt: z.number().int().min(0).max(MAX_UINT48).optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: "Stored",
      content: { "application/json": { schema: z.object({ stored: z.number() }) } },
    },
    ...errorResponses(400, 403, 422, 503),
  },
});

const getWrapRoute = createRoute({
  method: "get",
  path: "/v1/records/{recordId}/wrap",
  tags: ["confidential"],
  summary: "Your wrap of a confidential record's data key, under the payload's authorisation",
  description:
    "Served exactly when `GET /v1/records/{recordId}/payload` would serve the payload: the " +
    "record's source and format against a live grant of the caller, at the latest block. An " +
    "expired or revoked grant gets ACCESS_DENIED, never a wrap.",
  security: bearerSecurity,
  request: {
    params: RecordIdParams,
    query: z.object({ datasetId: Uint64String.optional() }),
  },
  responses: {
    200: {
      description: "The wrap for the caller's registered reader key",
      content: { "application/json": { schema: z.object({ wrap: KeyWrapSchema }) } },
    },
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

/**
 * Reader keys and data key wraps of confidential payloads (Y.4561 6.2.1, 6.2.5), part of U2S.
 * The service never holds a key that opens a wrap: it stores what devices and operators signed,
 * and serves each wrap only to its reader, under the payload read's authorisation.
 */
export function registerConfidentialRoutes(app: OpenAPIHono, ctx: ServiceContext): void {
  const { sessions, authorizer, m2s, wraps, domain } = ctx;

  app.openapi(putReaderKeyRoute, async (c) => {
    const statement = c.req.valid("json") as Parameters<typeof verifyReaderKey>[0];
    statement.encryptionKey = statement.encryptionKey.toLowerCase() as Hex;
    if (!(await verifyReaderKey(statement, domain))) {
      throw new ReaderKeyInvalidError({ account: statement.account });
    }
    if (!(await wraps.putReaderKey(statement))) {
      const stored = await wraps.readerKey(statement.account);
      // An exact retry of the stored statement is answered as the first time.
      const same =
        stored?.issuedAt === statement.issuedAt &&
        stored.encryptionKey === statement.encryptionKey &&
        stored.signature.toLowerCase() === statement.signature.toLowerCase();
      if (same) return c.json(stored, 200);
      throw new ReaderKeyStaleError({
        account: statement.account,
        issuedAt: statement.issuedAt,
        storedIssuedAt: stored?.issuedAt ?? 0,
      });
    }
    return c.json(statement, 200);
  });

  app.openapi(getReaderKeyRoute, async (c) => {
    const { account } = c.req.valid("param");
    const statement = await wraps.readerKey(account);
    if (!statement) throw new ReaderKeyNotFoundError(account);
    return c.json(statement, 200);
  });

  app.openapi(datasetReaderKeysRoute, async (c) => {
    const datasetId = BigInt(c.req.valid("param").datasetId);
    const all = await wraps.readerKeys();
    const live = await Promise.all(all.map((s) => authorizer.hasAccess(datasetId, s.account)));
    return c.json({ readerKeys: all.filter((_, i) => live[i]) }, 200);
  });

  app.openapi(putWrapsRoute, async (c) => {
    const recordId = c.req.valid("param").recordId.toLowerCase() as Hex;
    const body = c.req.valid("json");
    let parsed: KeyWrap[];
    try {
      parsed = body.wraps.map(parseKeyWrap);
    } catch (error) {
      if (!(error instanceof BaseError)) throw error;
      throw new KeyWrapsInvalidError("A key wrap is malformed", error.details);
    }
    let signer: string;
    try {
      signer = await recoverKeyWrapsSigner({
        domain,
        recordId,
        wraps: parsed,
        signature: body.signature as Hex,
      });
    } catch {
      throw new KeyWrapsInvalidError("The signature does not recover");
    }
    if (!isAddressEqual(signer as Hex, body.signer as Hex)) {
      throw new KeyWrapsInvalidError("The wraps are not signed by the signer named", {
        signer: body.signer,
      });
    }
    const isSource =
      body.dataHash !== undefined &&
      body.sampledAt !== undefined &&
      recordIdOf(signer as Hex, { dataHash: body.dataHash as Hex, sampledAt: body.sampledAt }) ===
        recordId;
    const allowed = isSource
      ? await authorizer.isSourceKey(signer)
      : await authorizer.isOperator(signer);
    if (!allowed) {
      throw new AccessDeniedError(
        "Only the record's source key or an operator may store its key wraps",
        { signer, recordId },
      );
    }
    await wraps.putWraps(recordId, parsed, signer);
    return c.json({ stored: parsed.length }, 200);
  });

  app.openapi(getWrapRoute, async (c) => {
    const { address } = await sessions.authenticate(c.req.header("authorization"));
    const recordId = c.req.valid("param").recordId.toLowerCase() as Hex;
    const { datasetId } = c.req.valid("query");
    const occurrences = await m2s.byRecordId(recordId);
    if (occurrences.length === 0) throw new NotFoundError("No record with this id");
    if (!(await mayReadRecord(ctx, occurrences, address, datasetId))) {
      throw new AccessDeniedError("No live dataset grant covers this record", { recordId });
    }
    const statement = await wraps.readerKey(address);
    if (!statement) throw new ReaderKeyNotFoundError(address);
    const wrap = await wraps.wrap(recordId, statement.encryptionKey);
    if (!wrap) {
      throw new KeyWrapNotFoundError({ recordId, readerKey: statement.encryptionKey });
    }
    return c.json({ wrap }, 200);
  });
}
