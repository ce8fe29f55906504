import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Hex } from "viem";

import { checkConfiguration, FINDING_CODES } from "../../control/checkConfiguration.js";
import { toJsonValue, type ControlContext, type ControlPlan } from "../../control/controlPlan.js";
import {
  listGrants,
  planCreateDataset,
  planGrantAccess,
  planRevokeAccess,
  planSetDatasetFormats,
  planSetDatasetSources,
  planTransferDataset,
  readDataset,
} from "../../control/datasetOperations.js";
import {
  FormatDocumentError,
  formatIdOfDocument,
  planDeprecateFormat,
  planRegisterFormat,
  readFormat,
} from "../../control/formatOperations.js";
import {
  listRoleHolders,
  planPause,
  planRoleChange,
  planUnpause,
} from "../../control/ledgerOperations.js";
import { ROLE_NAMES } from "../../control/roles.js";
import {
  planReactivateSource,
  planRegisterSource,
  planRevokeSource,
  planRotateSourceKey,
  planSetSourceFormats,
  planSuspendSource,
  readSource,
} from "../../control/sourceOperations.js";
import { loadFormatDocument } from "../../representation/accept/loadFormatDocument.js";
import { AddressSchema, Bytes32Schema, HexBytesSchema, Uint48Schema } from "../../sdk/wire.js";
import type { ChainAuthorizer } from "../ChainAuthorizer.js";
import { Uint64String } from "../schemas.js";
import type { SessionStore } from "../SessionStore.js";
import type { O2CContext } from "./O2CContext.js";
import { OperatorRoleRequiredError } from "./errors.js";
import {
  ControlPlanSchema,
  O2C_SECURITY,
  RelayedTransactionSchema,
  o2cErrors,
} from "./o2cSchemas.js";
import { relayControlTransaction } from "./relayControlTransaction.js";

declare module "hono" {
  interface ContextVariableMap {
    /** The session's account, confirmed an operator on-chain for this request (O2C). */
    operator: string;
  }
}

/*
 * The O2C reference point over HTTP on the service provisioning FE (Y.4561 7.1.4, 8.8 steps 2–4:
 * the controlling procedure through the service FE). An operator signs in with SIWE like any
 * user; every /v1/o2c request then needs OPERATOR_ROLE on-chain now (S2P, read at the latest
 * block). The service holds no operator key: a state-changing route answers the checked,
 * unsigned call (a ControlPlan) for the operator's wallet to sign, and POST /v1/o2c/transactions
 * relays the signed transaction to the processing FE (C2P) and follows it to its receipt.
 */

const ReasonCode = z.number().int().min(0).max(65_535).default(0);
const IdList = z.array(Uint64String).max(256);
const FormatIdList = z.array(Bytes32Schema).max(256);
const SourceIdParam = z.object({
  sourceId: Uint64String.meta({ param: { name: "sourceId", in: "path" } }),
});
const DatasetIdParam = z.object({
  datasetId: Uint64String.meta({ param: { name: "datasetId", in: "path" } }),
});
const FormatIdParam = z.object({
  formatId: Bytes32Schema.meta({ param: { name: "formatId", in: "path" } }),
});
const RoleParam = z.object({
  role: z.enum(ROLE_NAMES).meta({ param: { name: "role", in: "path" } }),
});

interface PlanRouteSpec<PS extends z.ZodObject, BS extends z.ZodType> {
  path: string;
  tag: string;
  summary: string;
  description?: string;
  params?: PS;
  body?: BS;
  plan: (
    ctx: ControlContext,
    params: z.output<PS>,
    body: z.output<BS>,
    o2c: O2CContext,
  ) => Promise<ControlPlan<unknown>>;
}

/** Registers the O2C routes: operator authentication, plans, the relay, reads, the check. */
export function registerO2CRoutes(
  app: OpenAPIHono,
  o2c: O2CContext,
  auth: { sessions: SessionStore; authorizer: ChainAuthorizer },
): void {
  app.use("/v1/o2c/*", async (c, next) => {
    const session = await auth.sessions.authenticate(c.req.header("authorization"));
    if (!(await auth.authorizer.isOperator(session.address))) {
      throw new OperatorRoleRequiredError(session.address);
    }
    c.set("operator", session.address);
    await next();
  });

  const contextOf = (c: Context): ControlContext => ({
    provider: o2c.provider,
    ledger: o2c.ledger,
    accessRegistry: o2c.accessRegistry,
    from: c.get("operator"),
    fromBlock: o2c.fromBlock,
  });

  const planRoute = <PS extends z.ZodObject = z.ZodObject, BS extends z.ZodType = z.ZodObject>(
    spec: PlanRouteSpec<PS, BS>,
  ) => {
    const route = createRoute({
      method: "post",
      path: spec.path,
      tags: [spec.tag],
      summary: spec.summary,
      description:
        (spec.description ? `${spec.description} ` : "") +
        "Answers the unsigned call, simulated as the session's operator; nothing is sent.",
      security: O2C_SECURITY,
      request: {
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.body
          ? { body: { required: true, content: { "application/json": { schema: spec.body } } } }
          : {}),
      },
      responses: {
        200: {
          description: "The plan to sign",
          content: { "application/json": { schema: ControlPlanSchema } },
        },
        ...o2cErrors(400, 401, 403, 404, 409, 503),
      },
    });
    // One handler for every plan route; the route's own types are erased by the loop over specs.
    const handler = async (c: Context) => {
      const req = c.req as unknown as { valid(target: string): unknown };
      const valid = (target: string) => req.valid(target);
      const plan = await spec.plan(
        contextOf(c),
        (spec.params ? valid("param") : {}) as z.output<PS>,
        (spec.body ? valid("json") : {}) as z.output<BS>,
        o2c,
      );
      return c.json(await planBody(plan, c.get("operator"), await o2c.chainId()), 200);
    };
    app.openapi(route as never, handler as never);
  };

  // Sources (8.1, 8.4 "configuring data sources").
  planRoute({
    path: "/v1/o2c/sources",
    tag: "o2c sources",
    summary: "Register a source: bind a device key (with its proof of possession for the owner)",
    body: z
      .object({
        signer: AddressSchema,
        owner: AddressSchema,
        metadataHash: Bytes32Schema.optional(),
        metadataURI: z.string().max(2048),
        formatIds: FormatIdList,
        keyProof: HexBytesSchema,
      })
      .strict(),
    plan: (ctx, _p, b) => planRegisterSource(ctx, b),
  });
  planRoute({
    path: "/v1/o2c/sources/{sourceId}/suspend",
    tag: "o2c sources",
    summary: "Suspend a source",
    params: SourceIdParam,
    body: z.object({ reasonCode: ReasonCode }).strict(),
    plan: (ctx, p, b) =>
      planSuspendSource(ctx, { sourceId: BigInt(p.sourceId), reasonCode: BigInt(b.reasonCode) }),
  });
  planRoute({
    path: "/v1/o2c/sources/{sourceId}/reactivate",
    tag: "o2c sources",
    summary: "Reactivate a suspended source",
    params: SourceIdParam,
    plan: (ctx, p) => planReactivateSource(ctx, { sourceId: BigInt(p.sourceId) }),
  });
  planRoute({
    path: "/v1/o2c/sources/{sourceId}/revoke",
    tag: "o2c sources",
    summary: "Revoke a source (final)",
    params: SourceIdParam,
    body: z.object({ reasonCode: ReasonCode }).strict(),
    plan: (ctx, p, b) =>
      planRevokeSource(ctx, { sourceId: BigInt(p.sourceId), reasonCode: BigInt(b.reasonCode) }),
  });
  planRoute({
    path: "/v1/o2c/sources/{sourceId}/rotate-key",
    tag: "o2c sources",
    summary: "Bind a new device key to a source",
    params: SourceIdParam,
    body: z.object({ newSigner: AddressSchema, keyProof: HexBytesSchema }).strict(),
    plan: (ctx, p, b) => planRotateSourceKey(ctx, { sourceId: BigInt(p.sourceId), ...b }),
  });
  planRoute({
    path: "/v1/o2c/sources/{sourceId}/formats",
    tag: "o2c sources",
    summary: "Allow (allowed: true) or disallow formats for a source",
    params: SourceIdParam,
    body: z.object({ formatIds: FormatIdList.min(1), allowed: z.boolean() }).strict(),
    plan: (ctx, p, b) => planSetSourceFormats(ctx, { sourceId: BigInt(p.sourceId), ...b }),
  });

  // Formats (6.2.2, 8.4 "configuring data formats").
  planRoute({
    path: "/v1/o2c/formats",
    tag: "o2c formats",
    summary: "Register a format by the hash and URI of an already published schema document",
    description:
      "The service fetches `uri` as the gateway will (blob:, http(s):) and checks that the " +
      "document compiles and hashes to `schemaHash` (FORMAT_DOCUMENT_UNAVAILABLE, " +
      "FORMAT_DOCUMENT_MISMATCH, FORMAT_SCHEMA_INVALID): a format whose URI does not serve its " +
      "document would refuse every record.",
    body: z
      .object({
        schemaHash: Bytes32Schema,
        name: z.string().min(1).max(256),
        version: z.string().min(1).max(64),
        uri: z.string().min(1).max(2048),
        flags: z.number().int().min(0).max(65_535).default(0),
      })
      .strict(),
    plan: async (ctx, _p, b, o) => {
      await requirePublishedDocument(o, b.uri, b.schemaHash);
      return planRegisterFormat(ctx, b);
    },
  });
  planRoute({
    path: "/v1/o2c/formats/{formatId}/deprecate",
    tag: "o2c formats",
    summary: "Deprecate a format: anchored records keep it, new ones cannot use it",
    params: FormatIdParam,
    plan: (ctx, p) => planDeprecateFormat(ctx, p),
  });

  // Datasets and grants (6.2.5, 8.4 "configuring data management").
  planRoute({
    path: "/v1/o2c/datasets",
    tag: "o2c datasets",
    summary: "Create a dataset owned by the session's operator",
    body: z
      .object({ uri: z.string().max(2048), sourceIds: IdList, formatIds: FormatIdList })
      .strict(),
    plan: (ctx, _p, b) =>
      planCreateDataset(ctx, { ...b, sourceIds: b.sourceIds.map((s) => BigInt(s)) }),
  });
  planRoute({
    path: "/v1/o2c/datasets/{datasetId}/sources",
    tag: "o2c datasets",
    summary: "Add (included: true) or remove sources of a dataset",
    params: DatasetIdParam,
    body: z.object({ sourceIds: IdList.min(1), included: z.boolean() }).strict(),
    plan: (ctx, p, b) =>
      planSetDatasetSources(ctx, {
        datasetId: BigInt(p.datasetId),
        sourceIds: b.sourceIds.map((s) => BigInt(s)),
        included: b.included,
      }),
  });
  planRoute({
    path: "/v1/o2c/datasets/{datasetId}/formats",
    tag: "o2c datasets",
    summary: "Add (included: true) or remove formats of a dataset",
    params: DatasetIdParam,
    body: z.object({ formatIds: FormatIdList.min(1), included: z.boolean() }).strict(),
    plan: (ctx, p, b) => planSetDatasetFormats(ctx, { datasetId: BigInt(p.datasetId), ...b }),
  });
  planRoute({
    path: "/v1/o2c/datasets/{datasetId}/transfer",
    tag: "o2c datasets",
    summary: "Hand a dataset to another operator",
    params: DatasetIdParam,
    body: z.object({ newOwner: AddressSchema }).strict(),
    plan: (ctx, p, b) => planTransferDataset(ctx, { datasetId: BigInt(p.datasetId), ...b }),
  });
  planRoute({
    path: "/v1/o2c/datasets/{datasetId}/grants",
    tag: "o2c access",
    summary: "Grant a user read access until expiresAt (unix seconds, inclusive)",
    params: DatasetIdParam,
    body: z.object({ user: AddressSchema, expiresAt: Uint48Schema }).strict(),
    plan: (ctx, p, b) =>
      planGrantAccess(ctx, {
        datasetId: BigInt(p.datasetId),
        user: b.user,
        expiresAt: BigInt(b.expiresAt),
      }),
  });
  planRoute({
    path: "/v1/o2c/datasets/{datasetId}/grants/{user}/revoke",
    tag: "o2c access",
    summary: "End a user's live grant now",
    params: DatasetIdParam.extend({
      user: AddressSchema.meta({ param: { name: "user", in: "path" } }),
    }),
    plan: (ctx, p) => planRevokeAccess(ctx, { datasetId: BigInt(p.datasetId), user: p.user }),
  });

  // Roles (gateways, users; the admin's own roles move by the admin) and the emergency pause.
  for (const action of ["grant", "revoke"] as const) {
    planRoute({
      path: `/v1/o2c/roles/{role}/${action}`,
      tag: "o2c roles",
      summary: `${action === "grant" ? "Grant" : "Revoke"} a role (e.g. gateway, user)`,
      description:
        "`unchanged` when the account already is in that state. The source role follows the " +
        "source registry (ROLE_SOURCE_MANAGED_BY_REGISTRY); admin moves in two steps (ROLE_ADMIN_TWO_STEP).",
      params: RoleParam,
      body: z.object({ account: AddressSchema }).strict(),
      plan: (ctx, p, b) => planRoleChange(ctx, { action, role: p.role, account: b.account }),
    });
  }
  planRoute({
    path: "/v1/o2c/ledger/pause",
    tag: "o2c ledger",
    summary: "Pause every submission path",
    plan: (ctx) => planPause(ctx),
  });
  planRoute({
    path: "/v1/o2c/ledger/unpause",
    tag: "o2c ledger",
    summary: "Resume submissions",
    plan: (ctx) => planUnpause(ctx),
  });

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/o2c/transactions",
      tags: ["o2c transactions"],
      summary: "Relay a control transaction the operator's wallet signed; answers its receipt",
      description:
        "Refused before anything is broadcast (400/403, stable code): not a signed transaction " +
        "(TX_MALFORMED), not signed by the session's account (TX_SIGNER_NOT_SESSION), for " +
        "another chain id (TX_CHAIN_MISMATCH), to any address other than the ledger or the " +
        "access registry (TX_TARGET_REFUSED), carrying value (TX_VALUE_REFUSED), calldata not " +
        "a control function (TX_FUNCTION_REFUSED), or refused by the suite in simulation (its " +
        "ControlRevertError code). A transaction that reverts once mined (a race) answers 200 " +
        "with status `reverted` and the decoded `revert` code.",
      security: O2C_SECURITY,
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z.object({ rawTransaction: HexBytesSchema }).strict(),
            },
          },
        },
      },
      responses: {
        200: {
          description: "Mined: status, block, hash, decoded events or revert code",
          content: { "application/json": { schema: RelayedTransactionSchema } },
        },
        ...o2cErrors(400, 401, 403, 404, 409, 503, 504),
      },
    }),
    async (c) => {
      const { rawTransaction } = c.req.valid("json");
      const result = await relayControlTransaction(
        {
          provider: o2c.provider,
          chainId: await o2c.chainId(),
          ledger: o2c.ledger,
          accessRegistry: o2c.accessRegistry,
        },
        c.get("operator"),
        rawTransaction,
      );
      return c.json(result, 200);
    },
  );

  registerReads(app, o2c);
}

/** The wire form of a plan: the call to sign, or `unchanged`. */
export async function planBody(
  plan: ControlPlan<unknown>,
  operator: string,
  chainId: bigint,
): Promise<z.infer<typeof ControlPlanSchema>> {
  const base = { operation: plan.operation, chainId: chainId.toString(), from: operator };
  if (plan.call === undefined) return { ...base, unchanged: plan.unchanged };
  const { contract, to, data, args } = plan.call;
  return {
    ...base,
    from: plan.call.from,
    contract,
    to,
    data: data as Hex,
    value: "0",
    function: plan.call.function,
    args: toJsonValue(args) as unknown[],
  };
}

/** FORMAT_DOCUMENT_* unless `uri` serves a usable schema document hashing to `schemaHash`. */
async function requirePublishedDocument(o2c: O2CContext, uri: string, schemaHash: string) {
  let bytes: Uint8Array;
  try {
    bytes = await loadFormatDocument(uri, { blobStore: o2c.blobs });
  } catch (cause) {
    throw new FormatDocumentError(
      "FORMAT_DOCUMENT_UNAVAILABLE",
      `the schema cannot be fetched from ${uri}`,
      { uri },
      cause,
    );
  }
  const served = formatIdOfDocument(bytes);
  if (served.toLowerCase() !== schemaHash.toLowerCase()) {
    throw new FormatDocumentError("FORMAT_DOCUMENT_MISMATCH", `${uri} serves another document`, {
      uri,
      served,
      expected: schemaHash,
    });
  }
}

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  200: { description, content: { "application/json": { schema } } },
});

/** The O2C reads: what `sources:show`, `formats:show`, `datasets:show`, `access:list`, `roles:list` print. */
function registerReads(app: OpenAPIHono, o2c: O2CContext) {
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
