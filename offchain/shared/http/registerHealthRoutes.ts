import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";

import { createReadinessProbe, type ReadinessChecks } from "./createReadinessProbe.js";

const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health");

const CheckResultSchema = z
  .object({
    ok: z.boolean(),
    code: z.string().optional().openapi({ description: "Stable error code when not ok" }),
    message: z.string().optional(),
  })
  .openapi("ReadinessCheck");

const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checks: z.record(z.string(), CheckResultSchema).openapi({
      description: "One entry per dependency, e.g. database, chain",
    }),
  })
  .openapi("Readiness");

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["health"],
  summary: "Liveness: the process answers HTTP (no dependency is checked)",
  responses: {
    200: { content: { "application/json": { schema: HealthSchema } }, description: "Alive" },
  },
});

const readyRoute = createRoute({
  method: "get",
  path: "/ready",
  tags: ["health"],
  summary: "Readiness: every dependency answers, each within a time limit",
  responses: {
    200: {
      content: { "application/json": { schema: ReadinessSchema } },
      description: "Every check passed",
    },
    503: {
      content: { "application/json": { schema: ReadinessSchema } },
      description: "A check failed or timed out; its entry carries the code",
    },
  },
});

/**
 * Declares `/health` (liveness) and `/ready` (readiness) on an app, documented in its OpenAPI
 * document. They are kept apart because they answer different questions: a failing liveness
 * probe gets the process restarted, which does not help when the chain node is down; a failing
 * readiness probe only takes it out of the load balancer until its dependencies are back.
 *
 * @example
 * registerHealthRoutes(app, {
 *   readiness: { database: databaseCheck(db), chain: chainCheck(provider) },
 * });
 */
export function registerHealthRoutes(
  app: OpenAPIHono,
  options: { readiness: ReadinessChecks; timeoutMs?: number },
): void {
  const probe = createReadinessProbe(options.readiness, { timeoutMs: options.timeoutMs });

  // A cached answer would report a dependency that has since gone down.
  app.openapi(healthRoute, (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ status: "ok" as const }, 200);
  });

  app.openapi(readyRoute, async (c) => {
    const { ready, checks } = await probe();
    c.header("Cache-Control", "no-store");
    return ready
      ? c.json({ status: "ready" as const, checks }, 200)
      : c.json({ status: "not_ready" as const, checks }, 503);
  });
}
