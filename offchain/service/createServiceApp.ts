import { OpenAPIHono } from "@hono/zod-openapi";
import type { Provider } from "ethers";
import type { Hex } from "viem";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

import { createC2RClient, type C2RTarget } from "../control/c2r.js";
import { ControlRevertError } from "../control/ControlRevertError.js";
import type { M2S } from "../monitoring/m2s/M2S.js";
import { BaseError } from "../shared/BaseError.js";
import { chainCheck } from "../shared/http/chainCheck.js";
import type { ReadinessChecks } from "../shared/http/createReadinessProbe.js";
import { databaseCheck } from "../shared/http/databaseCheck.js";
import { deploymentCheck } from "../shared/http/deploymentCheck.js";
import { registerHealthRoutes } from "../shared/http/registerHealthRoutes.js";
import { serveApiDocs } from "../shared/http/serveApiDocs.js";
import { serveLandingPage } from "../shared/http/serveLandingPage.js";
import type { BlobStore } from "../storage/BlobStore.js";
import type { Database } from "../storage/Database.js";
import {
  AccessRegistry__factory,
  DataLedger__factory,
} from "../../types/ethers-contracts/index.js";
import { ledgerDomain } from "../sdk/ledgerDomain.js";
import { registerAuthRoutes } from "./authRoutes.js";
import { registerConfidentialRoutes } from "./confidentialRoutes.js";
import { ChainAuthorizer } from "./ChainAuthorizer.js";
import { KeyWrapStore } from "./KeyWrapStore.js";
import { NotFoundError, PayloadTooLargeError, ValidationFailedError } from "./errors.js";
import { registerO2COffChainRoutes } from "./o2c/registerO2COffChainRoutes.js";
import { registerO2CReadRoutes } from "./o2c/registerO2CReadRoutes.js";
import { registerO2CRoutes, requireOperatorSession } from "./o2c/registerO2CRoutes.js";
import { registerRecordRoutes } from "./recordRoutes.js";
import type { ServiceContext } from "./ServiceContext.js";
import { SessionStore, type SiweConfig } from "./SessionStore.js";
import { registerVerifyRoutes } from "./verifyRoutes.js";

export interface ServiceDeps {
  /** Holds the service's `svc_` tables (SIWE nonces, sessions); `/ready` checks it. */
  db: Database;
  /**
   * The supervisor's event index as the monitoring FE offers it (M2S): every record, status and
   * dataset membership the routes show comes from here, e.g. `new IndexM2S(indexDb)`.
   */
  m2s: M2S;
  /** Payloads, content-addressed by data hash. */
  blobs: BlobStore;
  /** Provider of the ledger's chain, for the S2P authorisation reads. */
  provider: Provider;
  ledgerAddress: string;
  accessAddress: string;
  siwe: SiweConfig;
  /** Service clock (unix ms), for sessions and SIWE times; defaults to Date.now. */
  now?: () => number;
  /** Largest request body in bytes, uploads included (default 5 MiB). */
  maxBodyBytes?: number;
  /**
   * What `/ready` checks, replacing the default: `database` (`select 1` on `db`, else
   * DATABASE_UNAVAILABLE) and `chain` (`provider.getBlockNumber()`, else CHAIN_UNAVAILABLE).
   */
  readiness?: ReadinessChecks;
  /**
   * The O2C API's (`/v1/o2c/*`) view of the other FEs: the gateway's C2R routes (URL and control
   * token; without them the quota and gateway-settings routes answer 503 CONTROL_UNAVAILABLE),
   * the gateway's chain account (for the configuration check) and the suite's deployment block
   * (where event replays start).
   */
  control?: { gateway?: C2RTarget; gatewayAddress?: string; fromBlock?: number };
}

/** HTTP status of each stable error code; anything unlisted is a 500. */
const httpStatus: Record<string, ContentfulStatusCode> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  SESSION_EXPIRED: 401,
  SIWE_INVALID: 401,
  ACCESS_DENIED: 403,
  NOT_FOUND: 404,
  PAYLOAD_NOT_FOUND: 404,
  READER_KEY_NOT_FOUND: 404,
  KEY_WRAP_NOT_FOUND: 404,
  READER_KEY_INVALID: 422,
  KEY_WRAPS_INVALID: 422,
  READER_KEY_STALE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CHAIN_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  // O2C (the controlling FE's routes).
  OPERATOR_ROLE_REQUIRED: 403,
  ARGUMENT_INVALID: 400,
  ROLE_UNKNOWN: 400,
  ROLE_SOURCE_MANAGED_BY_REGISTRY: 400,
  ROLE_ADMIN_TWO_STEP: 400,
  SOURCE_UNKNOWN: 404,
  FORMAT_UNKNOWN: 404,
  DATASET_UNKNOWN: 404,
  ACCOUNT_NOT_OPERATOR: 409,
  FORMAT_DOCUMENT_UNAVAILABLE: 409,
  FORMAT_DOCUMENT_MISMATCH: 409,
  FORMAT_SCHEMA_INVALID: 409,
  TX_MALFORMED: 400,
  TX_SIGNER_NOT_SESSION: 403,
  TX_CHAIN_MISMATCH: 400,
  TX_TARGET_REFUSED: 400,
  TX_VALUE_REFUSED: 400,
  TX_FUNCTION_REFUSED: 400,
  TX_REJECTED_BY_NODE: 409,
  CONTROL_TX_PENDING: 504,
  CONTROL_UNAVAILABLE: 503,
  CONTROL_DISABLED: 503,
  // The gateway failed or refused the service's C2R call: a fault between the two FEs.
  GATEWAY_UNAVAILABLE: 502,
  CONTROL_UNAUTHORIZED: 502,
};

/**
 * A call the suite refuses in simulation (ControlRevertError): a missing role is 403, an unknown
 * id 404, anything else a conflict with the chain's state (409).
 */
function controlRevertStatus(code: string): ContentfulStatusCode {
  if (code === "ROLE_REQUIRED") return 403;
  if (code.endsWith("_UNKNOWN")) return 404;
  return 409;
}

/** Codes for the HTTPExceptions Hono's validators raise before a handler runs. */
const httpExceptionCode: Record<number, string> = {
  400: "VALIDATION_FAILED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
};

/**
 * The service provisioning FE's HTTP API, the U2S reference point of Y.4561 (7.1.3, 8.3, 8.7):
 * Sign-In with Ethereum, record search and lookup with receipts, payload reads gated by on-chain
 * grants (S2P: the DataLedger and AccessRegistry are read at request time), and public
 * fingerprint verification. Records come from the supervisor's event index through the M2S
 * interface (`m2s`, owned by the monitoring FE); the service never reads the index's tables. The
 * caller must have applied `serviceMigrations` to `db`, and should run an `Indexer` behind `m2s`. Every error is `{ error: { code, message, details } }` with a stable code.
 * `/openapi.json` documents the routes, `/docs` renders them (Swagger UI, served by the app
 * itself), `/` says what the service is, `/health` and `/ready` are its probes.
 *
 * @example
 * await migrate(db, [...monitoringMigrations, ...serviceMigrations]);
 * const app = createServiceApp({ db, m2s: new IndexM2S(db), blobs, provider, ledgerAddress, accessAddress,
 *   siwe: { domain: "data.example.org", uri: "https://data.example.org", chainId: 31337 } });
 * serve({ fetch: app.fetch, port: 8080 });
 */
export function createServiceApp(deps: ServiceDeps): OpenAPIHono {
  const maxBodyBytes = deps.maxBodyBytes ?? 5 * 1024 * 1024;
  const sessions = new SessionStore(deps.db, deps.siwe, deps.now);
  const ctx: ServiceContext = {
    sessions,
    authorizer: new ChainAuthorizer({
      ledger: DataLedger__factory.connect(deps.ledgerAddress, deps.provider),
      access: AccessRegistry__factory.connect(deps.accessAddress, deps.provider),
      provider: deps.provider,
    }),
    m2s: deps.m2s,
    blobs: deps.blobs,
    wraps: new KeyWrapStore(deps.db),
    domain: ledgerDomain(deps.siwe.chainId, deps.ledgerAddress as Hex),
    maxBodyBytes,
  };

  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ValidationFailedError("The request does not match the route's schema", {
          target: result.target,
          issues: result.error.issues.map(({ path, code, message }) => ({
            path: path.map(String),
            code,
            message,
          })),
        });
      }
    },
  });

  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new PayloadTooLargeError(maxBodyBytes);
      },
    }),
  );

  registerAuthRoutes(app, ctx);
  registerRecordRoutes(app, ctx);
  registerVerifyRoutes(app, ctx);
  registerConfidentialRoutes(app, ctx);
  let chainId: Promise<bigint> | undefined;
  const o2c = {
    provider: deps.provider,
    ledger: deps.ledgerAddress,
    accessRegistry: deps.accessAddress,
    chainId: () =>
      (chainId ??= deps.provider.getNetwork().then(
        (n) => n.chainId,
        (cause) => {
          chainId = undefined;
          throw cause;
        },
      )),
    fromBlock: deps.control?.fromBlock ?? 0,
    sessions,
    db: deps.db,
    blobs: deps.blobs,
    now: deps.now ?? Date.now,
    gateway: deps.control?.gateway ? createC2RClient(deps.control.gateway) : undefined,
    gatewayAddress: deps.control?.gatewayAddress,
  };
  // O2C: every /v1/o2c route needs an operator's session, checked on-chain at each request.
  app.use("/v1/o2c/*", requireOperatorSession(ctx));
  registerO2CRoutes(app, o2c);
  registerO2CReadRoutes(app, o2c);
  registerO2COffChainRoutes(app, o2c);
  registerHealthRoutes(app, {
    readiness: deps.readiness ?? {
      database: databaseCheck(deps.db),
      chain: chainCheck(deps.provider),
      deployment: deploymentCheck(deps.db, "service", deps.provider, deps.ledgerAddress),
    },
  });

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "Session token from POST /v1/auth/verify",
  });
  // OpenAPI 3.1: its schemas are JSON Schema 2020-12, so `null` is a type like any other and
  // a validator such as Ajv compiles them as they are (3.0's `nullable` needs a `type`).
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "DataLedger service API (Y.4561 U2S, and O2C under /v1/o2c)",
      version: "1.0.0",
      description:
        "Search, read and verify IoT data anchored on the DataLedger. Authorisation follows the " +
        "chain. Under /v1/o2c, the controlling FE's operations for sessions holding OPERATOR_ROLE: " +
        "unsigned plans for the operator's wallet, a relay for what it signed, reads, the " +
        "configuration check, and the gateway's (C2R) and this service's (C2S) live settings.",
    },
  });
  serveApiDocs(app, { title: "DataLedger service" });
  serveLandingPage(app, {
    title: "DataLedger service",
    summary: "U2S API: search, read, verify; O2C for operators under /v1/o2c",
  });

  app.notFound(() => {
    throw new NotFoundError("No such route");
  });
  app.onError((error, c) => errorResponse(error, c));
  return app;
}

function errorResponse(error: Error, c: Context): Response {
  if (error instanceof BaseError) {
    const status =
      error instanceof ControlRevertError
        ? controlRevertStatus(error.code)
        : (httpStatus[error.code] ?? 500);
    if (status === 500) console.error(error);
    return c.json(
      { error: { code: error.code, message: error.shortMessage, details: error.details } },
      status,
    );
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const code = httpExceptionCode[status] ?? (status >= 500 ? "INTERNAL" : "VALIDATION_FAILED");
    return c.json(
      { error: { code, message: error.message, details: {} } },
      status >= 500 ? 500 : status,
    );
  }
  // Anything else is a fault of ours; its message may leak internals, so it stays in the log.
  console.error(error);
  return c.json({ error: { code: "INTERNAL", message: "Internal error", details: {} } }, 500);
}
