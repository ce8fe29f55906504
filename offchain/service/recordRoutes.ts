import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Hex } from "viem";

import {
  AccessDeniedError,
  NotFoundError,
  PayloadNotFoundError,
  ValidationFailedError,
} from "./errors.js";
import type { IndexedRecord } from "./RecordIndex.js";
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
  summary: "Search the records of a dataset the caller holds a live grant on",
  description:
    "`datasetId` is required: a data user sees records through a dataset grant (Y.4561 6.2.5), " +
    "checked on-chain at request time. The dataset's sources and formats are confirmed on-chain " +
    "too, so a stale index can hide records but never reveal one outside the grant. Results are " +
    "in chain order; pass `nextCursor` back as `cursor` for the next page.",
  security: bearerSecurity,
  request: {
    query: z.object({
      datasetId: Uint64String,
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

const DataHashParams = z.object({
  dataHash: Hex32.openapi({ param: { name: "dataHash", in: "path" } }),
});

const recordRoute = createRoute({
  method: "get",
  path: "/v1/records/{dataHash}",
  tags: ["records"],
  summary: "A record and its receipt (verifiable with the SDK's verifyReceipt)",
  description: "Needs a session of an account holding USER_ROLE on the ledger.",
  security: bearerSecurity,
  request: { params: DataHashParams },
  responses: {
    200: {
      description: "The earliest anchoring and every anchoring of the data hash",
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
  path: "/v1/records/{dataHash}/payload",
  tags: ["records"],
  summary: "The payload bytes, if an on-chain dataset grant covers the record's source and format",
  description:
    "Checked with AccessRegistry.canRead at the latest block: a revoked or expired grant denies " +
    "at once. Without `datasetId` every dataset whose indexed membership covers the record is tried.",
  security: bearerSecurity,
  request: {
    params: DataHashParams,
    query: z.object({ datasetId: Uint64String.optional() }),
  },
  responses: {
    200: {
      description:
        "The stored payload, as `application/json` when its bytes parse as JSON, else as " +
        "`application/octet-stream`; either way its keccak256 is the data hash.",
      headers: z.object({
        "x-data-hash": Hex32.openapi({ description: "The payload's data hash, lower case" }),
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

/** Record search, lookup and payload read of the U2S reference point. */
export function registerRecordRoutes(app: OpenAPIHono, ctx: ServiceContext): void {
  const { sessions, authorizer, index, blobs } = ctx;

  app.openapi(searchRoute, async (c) => {
    const { address } = await sessions.authenticate(c.req.header("authorization"));
    const q = c.req.valid("query");
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const datasetId = BigInt(q.datasetId);
    if (!(await authorizer.hasAccess(datasetId, address))) {
      throw new AccessDeniedError("No live grant on this dataset", { datasetId: q.datasetId });
    }
    const sourceIds = await confirm(await index.datasetMembers(datasetId, "source"), (s) =>
      authorizer.includesSource(datasetId, BigInt(s)),
    );
    const formatIds = await confirm(await index.datasetMembers(datasetId, "format"), (f) =>
      authorizer.includesFormat(datasetId, f),
    );
    const { records, more } = await index.search({
      sourceIds,
      formatIds,
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
    if (!(await authorizer.isUser(address))) {
      throw new AccessDeniedError("The account does not hold USER_ROLE", { address });
    }
    const occurrences = await index.byDataHash(c.req.valid("param").dataHash);
    if (occurrences.length === 0) throw new NotFoundError("No record with this data hash");
    return c.json({ record: occurrences[0], occurrences }, 200);
  });

  app.openapi(payloadRoute, async (c) => {
    const { address } = await sessions.authenticate(c.req.header("authorization"));
    const { dataHash } = c.req.valid("param");
    const { datasetId } = c.req.valid("query");
    const occurrences = await index.byDataHash(dataHash);
    if (occurrences.length === 0) throw new NotFoundError("No record with this data hash");
    if (!(await mayRead(occurrences, address, datasetId))) {
      throw new AccessDeniedError("No live dataset grant covers this record", { dataHash });
    }
    const bytes = await blobs.get(dataHash.toLowerCase() as Hex);
    if (!bytes) throw new PayloadNotFoundError(dataHash);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": isJson(bytes) ? "application/json" : "application/octet-stream",
      "x-data-hash": dataHash.toLowerCase(),
    });
  });

  /** Whether any anchoring of the data is readable through some dataset, asked of the chain. */
  async function mayRead(
    occurrences: IndexedRecord[],
    user: string,
    datasetId?: string,
  ): Promise<boolean> {
    for (const record of occurrences) {
      if (record.sourceId === null) continue;
      const candidates = datasetId
        ? [BigInt(datasetId)]
        : await index.datasetsContaining(record.sourceId, record.formatId);
      for (const candidate of candidates) {
        if (await authorizer.canRead(candidate, user, BigInt(record.sourceId), record.formatId)) {
          return true;
        }
      }
    }
    return false;
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
