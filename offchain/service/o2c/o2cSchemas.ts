import { z } from "@hono/zod-openapi";

import { ROLE_NAMES } from "../../control/roles.js";
import { Bytes32Schema, ErrorSchema, HexBytesSchema } from "../../sdk/wire.js";
import { Uint64String } from "../schemas.js";

// Request and response shapes of the O2C routes (one component per concept).

export const SourceIdParam = z.object({
  sourceId: Uint64String.meta({ param: { name: "sourceId", in: "path" } }),
});
export const DatasetIdParam = z.object({
  datasetId: Uint64String.meta({ param: { name: "datasetId", in: "path" } }),
});
export const FormatIdParam = z.object({
  formatId: Bytes32Schema.meta({ param: { name: "formatId", in: "path" } }),
});
export const RoleParam = z.object({
  role: z.enum(ROLE_NAMES).meta({ param: { name: "role", in: "path" } }),
});

export const ControlPlanSchema = z
  .object({
    operation: z
      .string()
      .meta({ description: "The control operation, as its Hardhat task names it" }),
    chainId: z.string().meta({ description: "Decimal chain id to sign for" }),
    from: z.string().meta({ description: "The account that must sign: the session's operator" }),
    contract: z.enum(["DataLedger", "AccessRegistry"]).optional(),
    to: z.string().optional(),
    data: HexBytesSchema.optional().meta({ description: "The calldata to sign" }),
    value: z.literal("0").optional(),
    function: z.string().optional().meta({ description: "e.g. suspendSource(uint64,uint16)" }),
    args: z
      .array(z.unknown())
      .optional()
      .meta({ description: "The call's arguments, bigints as strings" }),
    unchanged: z.string().optional().meta({
      description: "Present (and no call) when the chain already is in the wanted state",
    }),
  })
  .meta({
    id: "ControlPlan",
    description:
      "An unsigned control call, simulated as `from` at the latest block and accepted. The " +
      "wallet adds nonce, gas and fees, signs, and sends it itself or posts it to " +
      "POST /v1/o2c/transactions.",
  });

export const ControlEventSchema = z
  .object({
    contract: z.enum(["DataLedger", "AccessRegistry"]),
    name: z.string(),
    args: z.record(z.string(), z.unknown()),
    logIndex: z.number().int(),
  })
  .meta({ id: "ControlEvent" });

export const RelayedTransactionSchema = z
  .object({
    txHash: z.string(),
    status: z.enum(["success", "reverted"]),
    blockNumber: z.number().int(),
    blockHash: z.string(),
    contract: z.enum(["DataLedger", "AccessRegistry"]),
    function: z.string(),
    events: z.array(ControlEventSchema),
    revert: z
      .object({
        code: z.string(),
        message: z.string(),
        details: z.record(z.string(), z.unknown()),
      })
      .optional(),
  })
  .meta({ id: "RelayedTransaction" });

export const O2C_SECURITY = [{ bearer: [] }];

/** The error responses of O2C routes, each with the one error shape. */
export function o2cErrors(...statuses: (400 | 401 | 403 | 404 | 409 | 502 | 503 | 504)[]) {
  const descriptions = {
    400: "VALIDATION_FAILED, ARGUMENT_* or TX_* (the relay's refusals)",
    401: "UNAUTHENTICATED or SESSION_EXPIRED",
    403: "OPERATOR_ROLE_REQUIRED (the session's account holds no operator role now), ROLE_REQUIRED or TX_SIGNER_NOT_SESSION",
    404: "SOURCE_UNKNOWN, FORMAT_UNKNOWN, DATASET_UNKNOWN (on-chain or in simulation)",
    409: "The suite refuses the call in simulation: its ControlRevertError code (SOURCE_INVALID_STATUS, LEDGER_PAUSED, …)",
    500: "INTERNAL",
    502: "The gateway refused or failed the C2R call (GATEWAY_UNAVAILABLE, CONTROL_UNAUTHORIZED, …)",
    503: "CONTROL_UNAVAILABLE (no gateway configured) or CHAIN_UNAVAILABLE",
    504: "CONTROL_TX_PENDING: broadcast, not mined in time; follow txHash",
  } as const;
  return Object.fromEntries(
    [...statuses, 500 as const].map((s) => [
      s,
      { description: descriptions[s], content: { "application/json": { schema: ErrorSchema } } },
    ]),
  );
}
