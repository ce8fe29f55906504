import { z } from "@hono/zod-openapi";

import { Bytes32Schema } from "../../sdk/wire.js";

// The R2D reference point (device → representation gateway) speaks the shared wire types of
// offchain/sdk/wire.ts. They check the envelope only; what the envelope claims (hash, signature,
// source, format) is checked by validateSubmission against the payload and the chain. Only the
// gateway's own route parameters are defined here.
export {
  AcceptedSchema,
  BulkResultSchema,
  ErrorSchema,
  RecordStateSchema,
  SubmissionSchema,
  type Submission,
} from "../../sdk/wire.js";

export const RecordIdParamSchema = z.object({
  recordId: Bytes32Schema.meta({ param: { name: "recordId", in: "path" } }),
});
