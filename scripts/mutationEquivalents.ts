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

  [`${accept}:216 MethodExpression valid`]:
    "quotas: which records are looked up in the outbox before counting changes the cost only; a record of a source without a quota gets from that early lookup the verdict the raced-record settlement after the write gives it, and takeQuota counts nothing for it",
  [`${accept}:216 ConditionalExpression true`]:
    "quotas: as above, every validated candidate has a source id, and looking up an unlimited source's record early gives it the verdict it gets after the write anyway",
  [`${accept}:216 LogicalOperator c.sourceId || quotas.has(c.sourceId)`]:
    "quotas: every validated candidate has a source id, so this is true for all of them: the early lookup of the line above, same verdicts",
  [`${accept}:273 ConditionalExpression false`]:
    "takeQuota only sees validated candidates, which all carry a source id; and take() of an id with no quota answers undefined, as the guard does",

  // offchain/service/ChainAuthorizer.ts
  [`${authorizer}:22 UnaryOperator +1`]:
    "the cache starts empty, so whether the first block number read equals the initial marker only decides whether an empty map is replaced by another",
};
