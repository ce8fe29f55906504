/**
 * Surviving mutants judged equivalent: no test through the module's interface can tell them from
 * the original code. Keyed by `file:line mutator replacement` (the replacement with its white
 * space collapsed, as scripts/mutation.ts prints it); the value is the reason. A line moved by an
 * edit turns its entry's mutant back into an `unexplained` survivor, to be judged again.
 */
const sdk = "offchain/sdk/verifyReceipt.ts";
const validate = "offchain/representation/accept/validateSubmission.ts";
const accept = "offchain/representation/accept/acceptSubmissions.ts";
const authorizer = "offchain/service/ChainAuthorizer.ts";

export const equivalents: Record<string, string> = {
  // offchain/sdk/verifyReceipt.ts
  [`${sdk}:310 StringLiteral ""`]:
    "viem's readContract encodes and decodes with abi[0] when functionName is empty, and getRecord is ledgerAbi[0]",

  // offchain/representation/accept/validateSubmission.ts
  [`${validate}:172 OptionalChaining validate.errors[0]`]:
    "Ajv sets errors whenever a validator returns false, so errors is never null on this path",
  [`${validate}:174 OptionalChaining first.instancePath`]:
    "first is Ajv's first error, always present when validation failed (see errors above)",
  [`${validate}:175 OptionalChaining first.keyword`]:
    "first is Ajv's first error, always present when validation failed (see errors above)",
  [`${validate}:176 OptionalChaining first.message`]:
    "first is Ajv's first error, always present when validation failed (see errors above)",
  [`${validate}:174 StringLiteral "Stryker was here!"`]:
    "Ajv's instancePath is always a string (empty for the root), so the ?? fallback is never taken",

  // offchain/representation/accept/acceptSubmissions.ts
  [`${accept}:297 ConditionalExpression true`]:
    'settleWithinRequest: a later identical copy without an error always has the status "accepted" the first loop gave it (copies are never settled with the outbox)',
  [`${accept}:298 ConditionalExpression true`]:
    "settleWithinRequest: a later identical copy without an error always has created false from the first loop (copies are never settled with the outbox)",

  // offchain/service/ChainAuthorizer.ts
  [`${authorizer}:22 UnaryOperator +1`]:
    "the cache starts empty, so whether the first block number read equals the initial marker only decides whether an empty map is replaced by another",
};
