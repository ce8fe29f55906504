import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";

import type { IndexedRecord, RecordFilter } from "../monitoring/m2s/M2S.js";
import {
  AccessDeniedError,
  NotFoundError,
  PayloadNotFoundError,
  ValidationFailedError,
} from "./errors.js";
import { mayReadRecord } from "./mayReadRecord.js";
import {
  AddressSchema,
  Hex32,
  RecordSchema,
  Uint64String,
  UnixSeconds,
  bearerSecurity,
  errorResponses,
} from "./schemas.js";
import type { ServiceContext } from "./ServiceContext.js";

const searchRoute = createRoute({
  method: "get",
  path: "/v1/records",
  tags: ["records"],
  summary: "Search records: a dataset's, or every record holding a data hash",
  description:
    "With `datasetId`: the records of a dataset the caller holds a live grant on (Y.4561 6.2.5), " +
    "checked on-chain at request time. The dataset's sources and formats are confirmed on-chain " +
    "too, so a stale index can hide records but never reveal one outside the grant. Without " +
    "`datasetId`, `dataHash` is required and every record holding that hash is listed, from any " +
    "source (needs USER_ROLE; `POST /v1/verify` tells the same publicly): many sources may " +
    "anchor one payload, each as a record of its own (`recordId`). A listing never grants a " +
    "payload read, which is decided per record. Results are in chain order; pass `nextCursor` " +
    "back as `cursor` for the next page.",
  security: bearerSecurity,
  request: {
    query: z.object({
      datasetId: Uint64String.optional(),
      sourceId: Uint64String.optional(),
      sourceKey: AddressSchema.optional(),
      formatId: Hex32.optional(),
      dataHash: Hex32.optional(),
      sampledFrom: UnixSeconds.optional(),
      sampledTo: UnixSeconds.optional(),
      cursor: z.string().max(200).optional(),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(100)
        .default(50)
        // As UnixSeconds: without a type of our own it would be documented nullable.
        .openapi({ type: "integer", minimum: 1, maximum: 100, default: 50 }),
    }),
  },
  responses: {
    200: {
      description: "One page of records",
      content: {
        "application/json": {
          schema: z.object({ records: z.array(RecordSchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 503),
  },
});

const RecordIdParams = z.object({
  recordId: Hex32.meta({
    param: { name: "recordId", in: "path" },
    description: "keccak256(abi.encode(source key, data hash, sampledAt)), not the data hash",
  }),
});

const recordRoute = createRoute({
  method: "get",
  path: "/v1/records/{recordId}",
  tags: ["records"],
  summary: "A record and its receipt (verifiable with the SDK's verifyReceipt)",
  description:
    "Needs a session of an account holding USER_ROLE on the ledger. Other records holding the " +
    "same data hash are found with `GET /v1/records?dataHash=`.",
  security: bearerSecurity,
  request: { params: RecordIdParams },
  responses: {
    200: {
      description:
        "The record's earliest anchoring and every anchoring of it (data blocks may repeat a " +
        "reading anchored before)",
      content: {
        "application/json": {
          schema: z.object({ record: RecordSchema, occurrences: z.array(RecordSchema) }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

const payloadRoute = createRoute({
  method: "get",
  path: "/v1/records/{recordId}/payload",
  tags: ["records"],
  summary: "The record's payload bytes, if an on-chain dataset grant covers its source and format",
  description:
    "Authorised for this record only: its source and format are checked with " +
    "AccessRegistry.canRead at the latest block, so a revoked or expired grant denies at once, " +
    "and a grant covering another record of the same data hash does not count. Without " +
    "`datasetId` every dataset whose indexed membership covers the record is tried.",
  security: bearerSecurity,
  request: {
    params: RecordIdParams,
    query: z.object({ datasetId: Uint64String.optional() }),
  },
  responses: {
    200: {
      description:
        "The stored payload, as `application/json` when its bytes parse as JSON, else as " +
        "`application/octet-stream`; either way its keccak256 is the record's data hash.",
      headers: z.object({
        "x-data-hash": Hex32.meta({ description: "The payload's data hash, lower case" }),
      }),
      content: {
        "application/json": {
          schema: z.unknown().openapi({ description: "Any JSON value" }),
        },
        "application/octet-stream": {
          // OpenAPI 3.1's way of saying raw bytes (3.0's `format: binary` is no JSON Schema).
          schema: { type: "string", contentMediaType: "application/octet-stream" },
        },
      },
    },
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

type DatasetScope = Pick<RecordFilter, "sourceIds" | "formatIds">;

/** Record search, lookup and payload read of the U2S reference point. */
export function registerRecordRoutes(app: OpenAPIHono, ctx: ServiceContext): void {
  const { sessions, authorizer, m2s, blobs } = ctx;

  app.openapi(searchRoute, async (c) => {
    const { address } = await sessions.authenticate(c.req.header("authorization"));
    const q = c.req.valid("query");
    if (q.datasetId === undefined && q.dataHash === undefined) {
      throw new ValidationFailedError("Send datasetId, or dataHash to list its every record");
    }
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    // Without a dataset, every record of the one data hash: no source or format restriction.
    let scope: DatasetScope = {};
    if (q.datasetId === undefined) await requireUser(address);
    else scope = await datasetScope(BigInt(q.datasetId), address);
    const { records, more } = await m2s.search({
      ...scope,
      sourceId: q.sourceId,
      sourceKey: q.sourceKey,
      formatId: q.formatId,
      dataHash: q.dataHash,
      sampledFrom: q.sampledFrom,
      sampledTo: q.sampledTo,
      after,
      limit: q.limit,
    });
    const last = records.at(-1);
    return c.json({ records, nextCursor: more && last ? encodeCursor(last) : null }, 200);
  });

  app.openapi(recordRoute, async (c) => {
    const { address } = await sessions.authenticate(c.req.header("authorization"));
    await requireUser(address);
    const occurrences = await m2s.byRecordId(c.req.valid("param").recordId);
    if (occurrences.length === 0) throw new NotFoundError("No record with this id");
    return c.json({ record: occurrences[0], occurrences }, 200);
  });

  app.openapi(payloadRoute, async (c) => {
    const { address } = await sessions.authenticate(c.req.header("authorization"));
    const { recordId } = c.req.valid("param");
    const { datasetId } = c.req.valid("query");
    const occurrences = await m2s.byRecordId(recordId);
    if (occurrences.length === 0) throw new NotFoundError("No record with this id");
    if (!(await mayReadRecord(ctx, occurrences, address, datasetId))) {
      throw new AccessDeniedError("No live dataset grant covers this record", { recordId });
    }
    // Blobs are content-addressed: the bytes of every record of this hash, read for this one.
    const { dataHash } = occurrences[0];
    const bytes = await blobs.get(dataHash);
    if (!bytes) throw new PayloadNotFoundError(dataHash);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": isJson(bytes) ? "application/json" : "application/octet-stream",
      "x-data-hash": dataHash,
    });
  });

  async function requireUser(address: string): Promise<void> {
    if (!(await authorizer.isUser(address))) {
      throw new AccessDeniedError("The account does not hold USER_ROLE", { address });
    }
  }

  /** The dataset's sources and formats, as the index lists them and the chain confirms them. */
  async function datasetScope(datasetId: bigint, address: string): Promise<DatasetScope> {
    if (!(await authorizer.hasAccess(datasetId, address))) {
      throw new AccessDeniedError("No live grant on this dataset", {
        datasetId: datasetId.toString(),
      });
    }
    const sourceIds = await confirm(await m2s.datasetMembers(datasetId, "source"), (s) =>
      authorizer.includesSource(datasetId, BigInt(s)),
    );
    const formatIds = await confirm(await m2s.datasetMembers(datasetId, "format"), (f) =>
      authorizer.includesFormat(datasetId, f),
    );
    return { sourceIds, formatIds };
  }
}

async function confirm(
  members: string[],
  onChain: (m: string) => Promise<boolean>,
): Promise<string[]> {
  const checks = await Promise.all(members.map(onChain));
  return members.filter((_, i) => checks[i]);
}

function encodeCursor(record: IndexedRecord): string {
  return Buffer.from(
    JSON.stringify([record.blockNumber, record.logIndex, record.leafIndex ?? -1]),
  ).toString("base64url");
}

function decodeCursor(cursor: string): [number, number, number] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      value.every((n) => Number.isSafeInteger(n) && n >= -1)
    ) {
      return value as [number, number, number];
    }
  } catch {
    // Falls through to the validation error below.
  }
  throw new ValidationFailedError("Malformed cursor", { cursor });
}

function isJson(bytes: Uint8Array): boolean {
  try {
    JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return true;
  } catch {
    return false;
  }
}
