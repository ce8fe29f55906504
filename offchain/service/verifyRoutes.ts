import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { keccak256, type Hex } from "viem";

import { hashPayload } from "../sdk/hashPayload.js";
import { ValidationFailedError } from "./errors.js";
import { Hex32, RecordSchema, errorResponses } from "./schemas.js";
import type { ServiceContext } from "./ServiceContext.js";

const JsonBody = z
  .object({
    dataHash: Hex32.optional(),
    payload: z
      .unknown()
      .optional()
      .openapi({ description: "Any JSON value; hashed canonically (RFC 8785)." }),
  })
  .strict()
  .openapi("VerifyRequest", { description: "Exactly one of dataHash or payload." });

const FormBody = z.object({
  file: z
    .any()
    .openapi({ type: "string", format: "binary", description: "Hashed as raw bytes (keccak256)." }),
});

const route = createRoute({
  method: "post",
  path: "/v1/verify",
  tags: ["verify"],
  summary: "Fingerprint verification: was this data recorded, when, by which source (Y.4561 8.3)",
  description:
    "Public. Send a data hash or a JSON payload (canonical hash), or upload a file as multipart " +
    "`file` (keccak256 of its bytes). Altered data hashes differently and is reported as not recorded.",
  request: {
    body: {
      required: false,
      content: {
        "application/json": { schema: JsonBody },
        "multipart/form-data": { schema: FormBody },
      },
    },
  },
  responses: {
    200: {
      description:
        "Whether and how the fingerprint is anchored; `records` lists every record holding it " +
        "(each source's statement is a record of its own, with its `recordId`), earliest first.",
      content: {
        "application/json": {
          schema: z
            .object({
              dataHash: Hex32,
              recorded: z.boolean(),
              firstAnchoredAt: z.number().nullable(),
              records: z.array(RecordSchema),
            })
            .openapi("VerifyResult"),
        },
      },
    },
    ...errorResponses(400, 413, 415),
  },
});

/** The public fingerprint verification route of the U2S reference point. */
export function registerVerifyRoutes(app: OpenAPIHono, { m2s }: ServiceContext): void {
  app.openapi(route, async (c) => {
    // Each validator fills only its own media type; the other target is left as {}.
    const dataHash = await fingerprint(
      c.req.valid("json") as z.infer<typeof JsonBody>,
      c.req.valid("form") as Record<string, unknown>,
    );
    const records = await m2s.byDataHash(dataHash);
    return c.json(
      {
        dataHash,
        recorded: records.length > 0,
        firstAnchoredAt: records[0]?.anchoredAt ?? null,
        records,
      },
      200,
    );
  });
}

async function fingerprint(
  json: z.infer<typeof JsonBody>,
  form: Record<string, unknown>,
): Promise<Hex> {
  const file = form.file;
  if (file !== undefined) {
    if (!(file instanceof File)) throw new ValidationFailedError("`file` must be an uploaded file");
    return keccak256(new Uint8Array(await file.arrayBuffer()));
  }
  const hasPayload = Object.hasOwn(json, "payload");
  if (json.dataHash !== undefined && !hasPayload) return json.dataHash.toLowerCase() as Hex;
  if (hasPayload && json.dataHash === undefined) {
    try {
      return hashPayload(json.payload);
    } catch (cause) {
      // Deeply nested input can exhaust the canonicaliser's stack; that is bad input, not a fault.
      throw new ValidationFailedError("The payload has no canonical JSON form", {
        reason: cause instanceof Error ? cause.message : String(cause),
      });
    }
  }
  throw new ValidationFailedError(
    "Send exactly one of dataHash, payload (JSON) or file (multipart)",
  );
}
