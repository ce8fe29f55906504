import { timingSafeEqual } from "node:crypto";

import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";

import { ErrorSchema } from "../../sdk/wire.js";
import { RejectionError } from "../accept/RejectionError.js";
import { GatewaySettingsSchema, type GatewayControl } from "../control/GatewayControl.js";

// The C2R wire types, one definition: the gateway's routes and the service's O2C forwards use them.
export const SourceQuotaSchema = z
  .object({
    records: z.number().int().min(0).max(1_000_000_000).openapi({
      description: "Records the source may have accepted per period; 0 refuses all",
    }),
    periodSec: z.number().int().min(1).max(31_622_400).openapi({
      description: "Length of a period in seconds (fixed windows aligned to the unix epoch)",
    }),
  })
  .openapi("SourceQuota");

export const SourceQuotaStateSchema = SourceQuotaSchema.extend({
  sourceId: z.string(),
  used: z.number().int().openapi({ description: "Records accepted in the current period" }),
  resetsAt: z.number().int().openapi({ description: "Unix seconds the period ends at" }),
}).openapi("SourceQuotaState");

const SourceIdParam = z.object({
  sourceId: z
    .string()
    .regex(/^[1-9][0-9]{0,19}$/, "a source id: a decimal integer above 0")
    .openapi({ param: { name: "sourceId", in: "path" }, example: "1" }),
});

export const SettingsStateSchema = z
  .object({
    settings: GatewaySettingsSchema,
    overridden: z.array(z.string()).openapi({
      description: "The settings an operator changed; the others are start-up values",
    }),
  })
  .openapi("GatewaySettingsState");

export const SettingsPatchSchema = z
  .object(
    Object.fromEntries(
      Object.entries(GatewaySettingsSchema.shape).map(([name, schema]) => [
        name,
        schema.nullable().optional(),
      ]),
    ) as {
      [K in keyof typeof GatewaySettingsSchema.shape]: z.ZodOptional<
        z.ZodNullable<(typeof GatewaySettingsSchema.shape)[K]>
      >;
    },
  )
  .strict()
  .openapi("GatewaySettingsPatch", {
    description: "Each setting given is changed; null returns it to its start-up value",
  });

const error = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

const controlErrors = {
  400: error("VALIDATION_FAILED"),
  401: error("CONTROL_UNAUTHORIZED: no or another bearer token than the gateway's control token"),
};

const security = [{ controlToken: [] }];

/**
 * The C2R reference point (controlling FE → representation FE, Y.4561 8.8 steps 2–4) as HTTP
 * routes under `/v1/control/`: per-source submission quotas and the gateway's live settings
 * (batching and backlog limits), changed without a restart. Only the controlling FE calls them
 * (the operator's tasks, `offchain/control/c2r.ts`), with the gateway's control token as a
 * bearer token, compared in constant time; without a configured token the routes do not exist.
 * The token is the gateway's own secret, not an operator's key: C2R changes no chain state.
 *
 * @example
 * registerC2RRoutes(app, { control, token: process.env.GATEWAY_CONTROL_TOKEN });
 */
export function registerC2RRoutes(
  app: OpenAPIHono,
  options: { control: GatewayControl; token: string },
): void {
  const { control } = options;
  const expected = Buffer.from(options.token);
  app.openAPIRegistry.registerComponent("securitySchemes", "controlToken", {
    type: "http",
    scheme: "bearer",
    description: "The gateway's control token (C2R); GATEWAY_CONTROL_TOKEN",
  });
  app.use("/v1/control/*", async (c: Context, next) => {
    const header = c.req.header("authorization") ?? "";
    const given = Buffer.from(header.startsWith("Bearer ") ? header.slice(7) : "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new RejectionError(
        "CONTROL_UNAUTHORIZED",
        "The control API needs the gateway's control token as a bearer token",
      );
    }
    await next();
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/control/quotas",
      tags: ["control (C2R)"],
      summary: "Every per-source submission quota, with its use in the current period",
      security,
      responses: {
        200: {
          description: "By source id",
          content: {
            "application/json": {
              schema: z.object({ quotas: z.array(SourceQuotaStateSchema) }),
            },
          },
        },
        401: controlErrors[401],
      },
    }),
    (c) => c.json({ quotas: control.quotas.list() }, 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/control/quotas/{sourceId}",
      tags: ["control (C2R)"],
      summary: "Set a source's submission quota (records per period); in force at once",
      security,
      request: {
        params: SourceIdParam,
        body: { required: true, content: { "application/json": { schema: SourceQuotaSchema } } },
      },
      responses: {
        200: {
          description: "The quota in force",
          content: { "application/json": { schema: SourceQuotaStateSchema } },
        },
        ...controlErrors,
      },
    }),
    async (c) => {
      const { sourceId } = c.req.valid("param");
      await control.quotas.set(BigInt(sourceId), c.req.valid("json"));
      const state = control.quotas.list().find((q) => q.sourceId === sourceId)!;
      return c.json(state, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/control/quotas/{sourceId}",
      tags: ["control (C2R)"],
      summary: "Remove a source's submission quota (no limit then)",
      security,
      request: { params: SourceIdParam },
      responses: { 204: { description: "Removed (or there was none)" }, ...controlErrors },
    }),
    async (c) => {
      const { sourceId } = c.req.valid("param");
      await control.quotas.set(BigInt(sourceId), undefined);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/control/settings",
      tags: ["control (C2R)"],
      summary: "The gateway's batching and backlog settings in force",
      security,
      responses: {
        200: {
          description: "Settings and which an operator changed",
          content: { "application/json": { schema: SettingsStateSchema } },
        },
        401: controlErrors[401],
      },
    }),
    (c) => c.json(control.settings(), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/control/settings",
      tags: ["control (C2R)"],
      summary: "Change batching and backlog settings; in force from the next block and request",
      security,
      request: {
        body: { required: true, content: { "application/json": { schema: SettingsPatchSchema } } },
      },
      responses: {
        200: {
          description: "The settings now in force",
          content: { "application/json": { schema: SettingsStateSchema } },
        },
        ...controlErrors,
      },
    }),
    async (c) => {
      await control.updateSettings(c.req.valid("json"));
      return c.json(control.settings(), 200);
    },
  );
}
