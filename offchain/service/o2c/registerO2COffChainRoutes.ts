import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";

import type { C2RClient } from "../../control/c2r.js";
import {
  SettingsPatchSchema,
  SettingsStateSchema,
  SourceQuotaSchema,
  SourceQuotaStateSchema,
} from "../../representation/http/registerC2RRoutes.js";
import type { O2CContext } from "./O2CContext.js";
import { ControlUnavailableError } from "./errors.js";
import { O2C_SECURITY, o2cErrors, SourceIdParam } from "./o2cSchemas.js";

/*
 * The off-chain path of the controlling procedure through the service FE (Y.4561 8.8 steps 2–4):
 * quotas and batching/backlog settings forwarded over C2R to the running gateway (the service
 * holds the gateway's control token; the operator never sees it), and C2S, the settings the
 * service applies to itself. Both take effect without a restart. Authentication is the O2C
 * middleware of registerO2CRoutes (a SIWE session holding OPERATOR_ROLE now).
 */

/** The service's own live settings (C2S). */
export const ServiceSettingsSchema = z
  .object({
    sessionTtlSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .meta({
        description: "Longest session opened from now on; open sessions keep their expiry",
      }),
  })
  .meta({ id: "ServiceSettings" });

/** Registers the C2R forwards and the C2S settings under /v1/o2c. */
export function registerO2COffChainRoutes(app: OpenAPIHono, o2c: O2CContext): void {
  const gateway = (): C2RClient => {
    if (o2c.gateway === undefined) throw new ControlUnavailableError();
    return o2c.gateway;
  };
  const c2rErrors = o2cErrors(400, 401, 403, 502, 503);

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/o2c/quotas",
      tags: ["o2c gateway (C2R)"],
      summary: "The gateway's per-source submission quotas, with the current period's use",
      security: O2C_SECURITY,
      responses: {
        200: {
          description: "The quotas",
          content: {
            "application/json": { schema: z.object({ quotas: z.array(SourceQuotaStateSchema) }) },
          },
        },
        ...c2rErrors,
      },
    }),
    async (c) => c.json({ quotas: await gateway().listQuotas() }, 200),
  );
  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/o2c/quotas/{sourceId}",
      tags: ["o2c gateway (C2R)"],
      summary: "Set a source's quota on the gateway (in force at once)",
      security: O2C_SECURITY,
      request: {
        params: SourceIdParam,
        body: { required: true, content: { "application/json": { schema: SourceQuotaSchema } } },
      },
      responses: {
        200: {
          description: "The quota in force",
          content: { "application/json": { schema: SourceQuotaStateSchema } },
        },
        ...c2rErrors,
      },
    }),
    async (c) => {
      const { sourceId } = c.req.valid("param");
      return c.json(await gateway().setQuota(BigInt(sourceId), c.req.valid("json")), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/o2c/quotas/{sourceId}",
      tags: ["o2c gateway (C2R)"],
      summary: "Remove a source's quota",
      security: O2C_SECURITY,
      request: { params: SourceIdParam },
      responses: { 204: { description: "Removed (or there was none)" }, ...c2rErrors },
    }),
    async (c) => {
      await gateway().removeQuota(BigInt(c.req.valid("param").sourceId));
      return c.body(null, 204);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/o2c/gateway/settings",
      tags: ["o2c gateway (C2R)"],
      summary: "The gateway's batching and backlog settings in force",
      security: O2C_SECURITY,
      responses: {
        200: {
          description: "The settings",
          content: { "application/json": { schema: SettingsStateSchema } },
        },
        ...c2rErrors,
      },
    }),
    async (c) => c.json(await gateway().readSettings(), 200),
  );
  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/o2c/gateway/settings",
      tags: ["o2c gateway (C2R)"],
      summary: "Change the gateway's settings (null: back to its start-up value)",
      security: O2C_SECURITY,
      request: {
        body: { required: true, content: { "application/json": { schema: SettingsPatchSchema } } },
      },
      responses: {
        200: {
          description: "The settings now in force",
          content: { "application/json": { schema: SettingsStateSchema } },
        },
        ...c2rErrors,
      },
    }),
    async (c) => c.json(await gateway().updateSettings(c.req.valid("json")), 200),
  );

  const settings = () => ({ sessionTtlSeconds: o2c.sessions.sessionTtlSeconds });
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/o2c/service/settings",
      tags: ["o2c service (C2S)"],
      summary: "This service's live settings",
      security: O2C_SECURITY,
      responses: {
        200: {
          description: "The settings",
          content: { "application/json": { schema: ServiceSettingsSchema } },
        },
        ...o2cErrors(401, 403, 503),
      },
    }),
    (c) => c.json(settings(), 200),
  );
  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/o2c/service/settings",
      tags: ["o2c service (C2S)"],
      summary: "Change this service's settings, in force for the next sign-in (C2S)",
      description:
        "Kept in memory: a restart returns to the configured values (the service's settings " +
        "are its start-up options).",
      security: O2C_SECURITY,
      request: {
        body: {
          required: true,
          content: { "application/json": { schema: ServiceSettingsSchema.partial().strict() } },
        },
      },
      responses: {
        200: {
          description: "The settings now in force",
          content: { "application/json": { schema: ServiceSettingsSchema } },
        },
        ...o2cErrors(400, 401, 403, 503),
      },
    }),
    (c) => {
      const patch = c.req.valid("json");
      if (patch.sessionTtlSeconds !== undefined) {
        o2c.sessions.setSessionTtlSeconds(patch.sessionTtlSeconds);
      }
      return c.json(settings(), 200);
    },
  );
}
