// @ts-check
import tseslint from "typescript-eslint";

// The wire schemas of offchain/sdk/wire.ts are plain zod, made before @hono/zod-openapi extends
// zod: they have `.meta()` but no `.openapi()`, which the types still allow (a global
// augmentation) and which then throws at load time.
const noOpenapiOnWireSchemas = {
  selector:
    "CallExpression[callee.property.name='openapi'][callee.object.name=/^(Hex32|AddressSchema|Bytes32Schema|HexBytesSchema|Uint48Schema|Uint32Schema|RecordIdSchema|ReceiptSchema|SignedOperationSchema|LedgerRecordSchema|ErrorSchema|RecordStatusSchema)$/]",
  message: "A wire schema (offchain/sdk/wire.ts) has no .openapi(): use .meta({ … }).",
};

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "artifacts/",
      "cache/",
      "types/",
      "coverage/",
      ".tools/",
      "ignition/deployments/",
      ".stryker-tmp/",
      "reports/",
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-restricted-syntax": ["error", noOpenapiOnWireSchemas],
    },
  },
  {
    // M2S: the service FE reads the supervisor's index only through the interface the monitoring
    // FE owns (offchain/monitoring/m2s/M2S.ts), never its tables or its other modules.
    files: ["offchain/service/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "/monitoring/(?!m2s/M2S\\.js$)",
              message:
                "The service reaches the monitoring FE through M2S (monitoring/m2s/M2S.js) only.",
            },
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        noOpenapiOnWireSchemas,
        {
          selector: "Literal[value=/\\bidx_/], TemplateElement[value.raw=/\\bidx_/]",
          message: "The index's idx_ tables are the monitoring FE's: read them through M2S.",
        },
      ],
    },
  },
);
