import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";

import { checkConfiguration, FINDING_CODES } from "../../control/checkConfiguration.js";
import { toJsonValue } from "../../control/controlPlan.js";
import { listGrants, readDataset } from "../../control/datasetOperations.js";
import { readFormat } from "../../control/formatOperations.js";
import { listRoleHolders } from "../../control/ledgerOperations.js";
import { readSource } from "../../control/sourceOperations.js";
import type { O2CContext } from "./O2CContext.js";
import {
  DatasetIdParam,
  FormatIdParam,
  O2C_SECURITY,
  o2cErrors,
  RoleParam,
  SourceIdParam,
} from "./o2cSchemas.js";

// The O2C reads (S2P reads at request time, behind requireOperatorSession) and the configuration
// check (8.4) over the suite, the gateway's account and this service's own sessions.

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  200: { description, content: { "application/json": { schema } } },
});

/** The O2C reads: what `sources:show`, `formats:show`, `datasets:show`, `access:list`, `roles:list` print. */
export function registerO2CReadRoutes(app: OpenAPIHono, o2c: O2CContext): void {
  const read = {
    provider: o2c.provider,
    ledger: o2c.ledger,
    accessRegistry: o2c.accessRegistry,
    fromBlock: o2c.fromBlock,
  };
  const reply = (c: Context, value: unknown) => c.json(toJsonValue(value) as object, 200);

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/o2c/sources/{sourceId}",
      tags: ["o2c sources"],
      summary: "A source, with its allowed formats",
      security: O2C_SECURITY,
      request: { params: SourceIdParam },
      responses: {
        ...json(
          z.object({
            sourceId: z.string(),
            signer: z.string(),
            owner: z.string(),
            status: z.enum(["none", "active", "suspended", "revoked"]),
            registeredAt: z.string(),
            epoch: z.string(),
            metadataHash: z.string(),
            metadataURI: z.string(),
            allowedFormats: z.array(z.string()),
          }),
          "The source",
        ),
        ...o2cErrors(400, 401, 403, 404, 503),
      },
    }),
    async (c) => reply(c, await readSource(read, BigInt(c.req.valid("param").sourceId))),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/o2c/formats/{formatId}",
      tags: ["o2c formats"],
      summary: "A format",
      security: O2C_SECURITY,
      request: { params: FormatIdParam },
      responses: {
        ...json(
          z.object({
            formatId: z.string(),
            index: z.string(),
            name: z.string(),
            version: z.string(),
            uri: z.string(),
            status: z.enum(["none", "active", "deprecated"]),
            uniqueDataHashes: z.boolean(),
            flags: z.string(),
            registeredAt: z.string(),
            deprecatedAt: z.string(),
          }),
          "The format",
        ),
        ...o2cErrors(400, 401, 403, 404, 503),
      },
    }),
    async (c) => reply(c, await readFormat(read, c.req.valid("param").formatId)),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/o2c/datasets/{datasetId}",
      tags: ["o2c datasets"],
      summary: "A dataset, with its sources and formats",
      security: O2C_SECURITY,
      request: { params: DatasetIdParam },
      responses: {
        ...json(
          z.object({
            datasetId: z.string(),
            owner: z.string(),
            uri: z.string(),
            sourceIds: z.array(z.string()),
            formatIds: z.array(z.string()),
          }),
          "The dataset",
        ),
        ...o2cErrors(400, 401, 403, 404, 503),
      },
    }),
    async (c) => reply(c, await readDataset(read, BigInt(c.req.valid("param").datasetId))),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/o2c/datasets/{datasetId}/grants",
      tags: ["o2c access"],
      summary: "Every user ever granted access to a dataset, with the grant as it stands now",
      security: O2C_SECURITY,
      request: { params: DatasetIdParam },
      responses: {
        ...json(
          z.object({
            grants: z.array(
              z.object({ user: z.string(), expiresAt: z.string(), live: z.boolean() }),
            ),
          }),
          "The grants",
        ),
        ...o2cErrors(400, 401, 403, 404, 503),
      },
    }),
    async (c) =>
      reply(c, { grants: await listGrants(read, BigInt(c.req.valid("param").datasetId)) }),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/o2c/roles/{role}",
      tags: ["o2c roles"],
      summary: "The current holders of a role",
      security: O2C_SECURITY,
      request: { params: RoleParam },
      responses: {
        ...json(z.object({ role: z.string(), holders: z.array(z.string()) }), "The holders"),
        ...o2cErrors(400, 401, 403, 503),
      },
    }),
    async (c) => {
      const { role } = c.req.valid("param");
      return reply(c, { role, holders: await listRoleHolders(read, role) });
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/o2c/config/check",
      tags: ["o2c config"],
      summary: "The configuration check (8.4): one finding per problem, with its code and ids",
      description:
        "As `npx hardhat config:check`, over the deployed suite, the gateway's account (when " +
        "configured) and this service's own sessions (grants that expired under an open session).",
      security: O2C_SECURITY,
      responses: {
        ...json(
          z.object({
            ok: z.boolean(),
            findings: z.array(
              z.object({
                code: z.enum(FINDING_CODES),
                message: z.string(),
                ids: z.record(z.string(), z.string()),
              }),
            ),
          }),
          "The findings; ok when there are none",
        ),
        ...o2cErrors(401, 403, 503),
      },
    }),
    async (c) => {
      const findings = await checkConfiguration({
        provider: o2c.provider,
        ledger: o2c.ledger,
        accessRegistry: o2c.accessRegistry,
        fromBlock: o2c.fromBlock,
        gateway: o2c.gatewayAddress,
        serviceDatabase: o2c.db,
        serviceNow: o2c.now,
        formatDocuments: { blobStore: o2c.blobs },
      });
      return c.json({ ok: findings.length === 0, findings }, 200);
    },
  );
}
