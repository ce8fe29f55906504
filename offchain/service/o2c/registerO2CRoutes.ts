import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { Hex } from "viem";

import { toJsonValue, type ControlContext, type ControlPlan } from "../../control/controlPlan.js";
import {
  planCreateDataset,
  planGrantAccess,
  planRevokeAccess,
  planSetDatasetFormats,
  planSetDatasetSources,
  planTransferDataset,
} from "../../control/datasetOperations.js";
import {
  FormatDocumentError,
  formatIdOfDocument,
  planDeprecateFormat,
  planRegisterFormat,
} from "../../control/formatOperations.js";
import { planPause, planRoleChange, planUnpause } from "../../control/ledgerOperations.js";
import {
  planReactivateSource,
  planRegisterSource,
  planRevokeSource,
  planRotateSourceKey,
  planSetSourceFormats,
  planSuspendSource,
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
  DatasetIdParam,
  FormatIdParam,
  RoleParam,
  SourceIdParam,
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

/**
 * The O2C authentication: a SIWE session of the service (UNAUTHENTICATED, SESSION_EXPIRED) whose
 * account holds OPERATOR_ROLE at the latest block (OPERATOR_ROLE_REQUIRED), for every request;
 * the account is then `c.get("operator")`, the `from` of every plan.
 */
export function requireOperatorSession(auth: {
  sessions: SessionStore;
  authorizer: ChainAuthorizer;
}): MiddlewareHandler {
  return async (c, next) => {
    const session = await auth.sessions.authenticate(c.req.header("authorization"));
    if (!(await auth.authorizer.isOperator(session.address))) {
      throw new OperatorRoleRequiredError(session.address);
    }
    c.set("operator", session.address);
    await next();
  };
}

/**
 * Registers the O2C plan routes and the relay. Every /v1/o2c route is behind
 * `requireOperatorSession`, which the app installs first.
 */
export function registerO2CRoutes(app: OpenAPIHono, o2c: O2CContext): void {
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
