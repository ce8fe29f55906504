import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Hex } from "viem";

import { BaseError } from "../../shared/BaseError.js";
import type { ReadinessChecks } from "../../shared/http/createReadinessProbe.js";
import { databaseCheck } from "../../shared/http/databaseCheck.js";
import { registerHealthRoutes } from "../../shared/http/registerHealthRoutes.js";
import { serveApiDocs } from "../../shared/http/serveApiDocs.js";
import { serveLandingPage } from "../../shared/http/serveLandingPage.js";
import type { Database } from "../../storage/Database.js";
import {
  acceptSubmissions,
  type AcceptDependencies,
  type SubmissionItem,
  type Verdict,
} from "../accept/acceptSubmissions.js";
import type { GatewayControl } from "../control/GatewayControl.js";
import { readRecordState } from "../outbox/readRecordState.js";
import { registerC2RRoutes } from "./registerC2RRoutes.js";
import { RejectionError, rejectionStatus, type RejectionCode } from "../accept/RejectionError.js";
import {
  AcceptedSchema,
  BulkResultSchema,
  ErrorSchema,
  RecordIdParamSchema,
  RecordStateSchema,
  SubmissionSchema,
} from "./schemas.js";

export interface GatewayLimits {
  /** Largest body of POST /v1/records. */
  maxBodyBytes: number;
  /** Largest body of POST /v1/records/bulk. */
  maxBulkBytes: number;
  /** Most items in one bulk request. */
  maxBulkItems: number;
}

export interface GatewayAppDependencies {
  db: Database;
  accept: AcceptDependencies;
  limits: GatewayLimits;
  /**
   * What `/ready` checks; by default only `database` (`select 1` on `db`), since the app is not
   * given the chain: `createGateway` adds `chain`.
   */
  readiness?: ReadinessChecks;
  /** The C2R routes (`/v1/control/*`) with the control token they require; none when absent. */
  c2r?: { control: GatewayControl; token: string };
}

/** What a GATEWAY_BUSY answer asks devices to wait. */
const RETRY_AFTER_SEC = 1;

const errorResponse = (description: string) => ({
  content: { "application/json": { schema: ErrorSchema } },
  description,
});

/** The 503 of a route: GATEWAY_BUSY says when to come back. */
const unavailableResponse = (description: string) => ({
  ...errorResponse(description),
  headers: z.object({
    "retry-after": z
      .string()
      .optional()
      .openapi({ description: "Seconds to wait before retrying; sent with GATEWAY_BUSY" }),
  }),
});

/** What every route can answer besides its own outcomes. */
const commonErrors = {
  500: errorResponse("INTERNAL: a fault of the gateway's; nothing was stored"),
};

/** Routes with a body: Hono's validators turn away any other media type before the handler. */
const unsupportedMediaType = {
  415: errorResponse("UNSUPPORTED_MEDIA_TYPE: the body is not of a media type listed here"),
};

/**
 * The R2D reference point (Y.4561 7.1.1, device → representation FE) as an HTTP API: submit one
 * record, submit many (JSON array or NDJSON) with a verdict per item, and read a record's status
 * and receipt. Routes are declared with zod schemas and documented at `/openapi.json`; envelope
 * errors go through one `defaultHook`, every other error through `app.onError`, both into one
 * shape `{ error: { code, message, details } }`. `/docs` renders the document (Swagger UI, served
 * by the app itself), `/` says what the gateway is, `/health` and `/ready` are its probes.
 *
 * @example
 * const app = createGatewayApp({ db, accept, limits });
 * const res = await app.request("/v1/records", { method: "POST", body, headers });
 */
export function createGatewayApp(deps: GatewayAppDependencies): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        throw new RejectionError("VALIDATION_FAILED", "Request does not match the API schema", {
          issues: result.error.issues.map((issue) => ({
            pointer: toPointer(issue.path),
            message: issue.message,
          })),
        });
      }
    },
  });

  const tooLarge = (limit: number) => () => {
    throw new RejectionError("PAYLOAD_TOO_LARGE", "Request body exceeds the gateway's limit", {
      limit,
    });
  };
  app.use(
    "/v1/records",
    bodyLimit({ maxSize: deps.limits.maxBodyBytes, onError: tooLarge(deps.limits.maxBodyBytes) }),
  );
  app.use(
    "/v1/records/bulk",
    bodyLimit({ maxSize: deps.limits.maxBulkBytes, onError: tooLarge(deps.limits.maxBulkBytes) }),
  );

  // Turned away before the body is parsed: a full backlog must cost the gateway next to nothing.
  // The body is still drained, since an unread body makes the server drop a keep-alive
  // connection and the device would see a network error instead of the 503.
  const busyGate = async (c: Context, next: () => Promise<void>) => {
    if (c.req.method === "POST" && deps.accept.isBusy?.()) {
      await c.req.raw.arrayBuffer().catch(() => undefined);
      throw new RejectionError(
        "GATEWAY_BUSY",
        "Too many accepted records wait for anchoring; retry later",
        { retryAfterSec: RETRY_AFTER_SEC },
      );
    }
    await next();
  };
  app.use("/v1/records", busyGate);
  app.use("/v1/records/bulk", busyGate);

  const submitRoute = createRoute({
    method: "post",
    path: "/v1/records",
    tags: ["records"],
    summary: "Submit one source-signed record with its payload (R2D)",
    request: {
      body: { required: true, content: { "application/json": { schema: SubmissionSchema } } },
    },
    responses: {
      202: {
        content: { "application/json": { schema: AcceptedSchema } },
        description:
          "Stored durably; the gateway will anchor it by `mode` (a format with unique data " +
          'hashes is always "relayed", even when block mode was asked)',
      },
      200: {
        content: { "application/json": { schema: AcceptedSchema } },
        description: "Already accepted (idempotent retry); its current status",
      },
      400: errorResponse("Malformed JSON or envelope"),
      401: errorResponse(
        "SIGNATURE_INVALID, SIGNATURE_EXPIRED, or SIGNATURE_STALE_EPOCH: signed in another " +
          "signing epoch than the source's current one (details: epoch, current); sign again " +
          "with details.current",
      ),
      403: errorResponse("Source unknown or inactive, format not allowed"),
      409: errorResponse(
        "DUPLICATE_RECORD: another submission of this source's record (same data hash and " +
          "sampling time); DATA_HASH_HELD: the format's data hashes are unique and an active " +
          "record holds this one",
      ),
      413: errorResponse("Body or payload too large"),
      ...unsupportedMediaType,
      422: errorResponse(
        "Data hash, format or schema check failed; ENVELOPE_MALFORMED: the format is " +
          "confidential and the payload is not a sealed envelope",
      ),
      429: {
        ...errorResponse(
          "QUOTA_EXCEEDED: the source has used up its submission quota for the period " +
            "(details: sourceId, records, periodSec, retryAfterSec); nothing was stored",
        ),
        headers: z.object({
          "retry-after": z
            .string()
            .openapi({ description: "Seconds until the source's quota period ends" }),
        }),
      },
      ...commonErrors,
      503: unavailableResponse(
        "Backlog full (GATEWAY_BUSY, Retry-After), chain or format schema unavailable, " +
          "or the gateway is shutting down (GATEWAY_STOPPING): retry later",
      ),
    },
  });

  app.openapi(submitRoute, async (c) => {
    const submission = c.req.valid("json");
    const [verdict] = await acceptSubmissions(deps.accept, [{ submission }]);
    if (verdict.error) throw verdict.error;
    return c.json(
      { recordId: verdict.recordId!, status: verdict.status!, mode: verdict.mode! },
      verdict.created ? 202 : 200,
    );
  });

  const bulkRoute = createRoute({
    method: "post",
    path: "/v1/records/bulk",
    tags: ["records"],
    summary: "Submit many records: a JSON array or NDJSON, one verdict per item (R2D)",
    request: {
      body: {
        // Not `required`: zod-openapi would then run the JSON validator on NDJSON bodies too.
        required: false,
        content: {
          // Items are validated one by one so that one bad item does not sink the others.
          "application/json": {
            schema: z.array(z.unknown()).openapi({ description: "Submission[]" }),
          },
          "application/x-ndjson": {
            schema: z.string().openapi({ description: "one Submission per line" }),
          },
        },
      },
    },
    responses: {
      200: {
        content: { "application/json": { schema: BulkResultSchema } },
        description:
          "One verdict per item, in request order; valid items are stored together. An item " +
          "over its source's quota has the verdict QUOTA_EXCEEDED (details.retryAfterSec)",
      },
      400: errorResponse("Body is not a JSON array / NDJSON"),
      413: errorResponse("Too many items or too large a body"),
      ...unsupportedMediaType,
      ...commonErrors,
      503: unavailableResponse(
        "Backlog full (GATEWAY_BUSY, Retry-After) or the gateway is shutting down " +
          "(GATEWAY_STOPPING): nothing was stored",
      ),
    },
  });

  app.openapi(bulkRoute, async (c) => {
    const items = await readBulkItems(c, deps.limits.maxBulkItems);
    const verdicts = await acceptSubmissions(deps.accept, items);
    return c.json({ results: verdicts.map(toVerdictJson) }, 200);
  });

  const statusRoute = createRoute({
    method: "get",
    path: "/v1/records/{recordId}",
    tags: ["records"],
    summary: "A record's status and, once anchored, its receipt (R2D)",
    request: { params: RecordIdParamSchema },
    responses: {
      200: {
        content: { "application/json": { schema: RecordStateSchema } },
        description: "accepted | packed | submitted | anchored (with receipt) | failed",
      },
      400: errorResponse("Not a record id"),
      404: errorResponse("The gateway holds no such record"),
      ...commonErrors,
      503: errorResponse("The gateway is shutting down (GATEWAY_STOPPING): retry later"),
    },
  });

  app.openapi(statusRoute, async (c) => {
    const { recordId } = c.req.valid("param");
    const state = await readRecordState(deps.db, recordId as Hex);
    if (!state) throw new RejectionError("RECORD_NOT_FOUND", "No such record", { recordId });
    return c.json(state, 200);
  });

  if (deps.c2r) registerC2RRoutes(app, deps.c2r);
  registerHealthRoutes(app, { readiness: deps.readiness ?? { database: databaseCheck(deps.db) } });

  // OpenAPI 3.1: its schemas are JSON Schema 2020-12, which validators such as Ajv compile as
  // they are (3.0's `nullable` and `z.unknown()`'s untyped schema are not JSON Schema).
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "DataLedger representation gateway (R2D)",
      version: "1.0.0",
      description:
        "Devices submit source-signed records, one or in bulk, and read each record's status and receipt.",
    },
  });
  serveApiDocs(app, { title: "DataLedger representation gateway" });
  serveLandingPage(app, {
    title: "DataLedger representation gateway",
    summary: "R2D API: devices submit signed records",
  });

  app.notFound(() => {
    throw new RejectionError("NOT_FOUND", "No such route");
  });
  app.onError((error, c) => errorJson(c, toBaseError(error)));
  return app;
}

/** Parses a bulk body into items; a line or element that is not a valid envelope is its own verdict. */
async function readBulkItems(c: Context, maxItems: number): Promise<SubmissionItem[]> {
  const ndjson = (c.req.header("content-type") ?? "").toLowerCase().includes("ndjson");
  let values: { value?: unknown; error?: BaseError }[];
  if (ndjson) {
    const lines = (await c.req.text()).split("\n").filter((line) => line.trim() !== "");
    checkCount(lines.length, maxItems);
    values = lines.map((line) => {
      try {
        return { value: JSON.parse(line) };
      } catch (cause) {
        return { error: new RejectionError("MALFORMED_JSON", "Line is not JSON", {}, cause) };
      }
    });
  } else {
    const body = c.req.valid("json" as never) as unknown;
    if (!Array.isArray(body)) {
      throw new RejectionError("VALIDATION_FAILED", "Bulk body must be a JSON array or NDJSON");
    }
    checkCount(body.length, maxItems);
    values = body.map((value) => ({ value }));
  }
  return values.map(({ value, error }) => {
    if (error) return { error };
    const parsed = SubmissionSchema.safeParse(value);
    if (parsed.success) return { submission: parsed.data };
    return {
      error: new RejectionError("VALIDATION_FAILED", "Item does not match the API schema", {
        issues: parsed.error.issues.map((issue) => ({
          pointer: toPointer(issue.path),
          message: issue.message,
        })),
      }),
    };
  });
}

function checkCount(count: number, maxItems: number): void {
  if (count > maxItems) {
    throw new RejectionError("PAYLOAD_TOO_LARGE", "Too many items in one bulk request", {
      count,
      limit: maxItems,
    });
  }
}

function toVerdictJson(verdict: Verdict) {
  const { index, recordId, status, mode, error } = verdict;
  return error
    ? { index, recordId, error: errorBody(error).error }
    : { index, recordId, status, mode };
}

function toBaseError(error: unknown): BaseError {
  if (error instanceof BaseError) return error;
  if (error instanceof HTTPException) {
    // Hono's own validators and gates: malformed JSON, wrong media type.
    const code: RejectionCode =
      error.status === 415
        ? "UNSUPPORTED_MEDIA_TYPE"
        : error.status === 413
          ? "PAYLOAD_TOO_LARGE"
          : error.status === 400
            ? "MALFORMED_JSON"
            : "VALIDATION_FAILED";
    return new RejectionError(code, error.message || code, {}, error);
  }
  return new RejectionError("INTERNAL", "Internal error", {}, error);
}

function errorBody(error: BaseError) {
  return { error: { code: error.code, message: error.shortMessage, details: error.details } };
}

function errorJson(c: Context, error: BaseError) {
  const status =
    error instanceof RejectionError
      ? error.status
      : error.retryable
        ? rejectionStatus.CHAIN_UNAVAILABLE
        : rejectionStatus.INTERNAL;
  if (error.code === "GATEWAY_BUSY") {
    c.header("Retry-After", String(RETRY_AFTER_SEC));
  } else if (error.code === "QUOTA_EXCEEDED") {
    c.header("Retry-After", String(error.details.retryAfterSec));
  } else if (status >= 500) {
    console.error("[representation] R2D request failed:", error);
  }
  return c.json(errorBody(error), status);
}

function toPointer(path: readonly PropertyKey[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}
