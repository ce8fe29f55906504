/**
 * Surviving mutants judged equivalent: no test through the module's interface can tell them from
 * the original code. Keyed by `file:line mutator replacement` (the replacement with its white
 * space collapsed, as scripts/mutation.ts prints it); the value is the reason. A line moved by an
 * edit turns its entry's mutant back into an `unexplained` survivor, to be judged again.
 */
const sdk = "offchain/sdk/verifyReceipt.ts";

export const equivalents: Record<string, string> = {
  // offchain/sdk/verifyReceipt.ts
  [`${sdk}:222 ConditionalExpression true`]:
    "isWord: viem's isHex is false for every non-string, so the typeof guard before it decides nothing",
  [`${sdk}:222 ObjectLiteral {}`]:
    "isWord: { strict: true } is viem isHex's default, so an empty options object is the same call",
  [`${sdk}:241 ObjectLiteral {}`]:
    "operation.source: { strict: true } is viem isAddress's default, so an empty options object is the same call",
  [`${sdk}:245 ConditionalExpression false`]:
    "operation.signature: viem's isHex is false for every non-string, so !isHex alone already refuses what the typeof guard refuses",
  [`${sdk}:245 ObjectLiteral {}`]:
    "operation.signature: { strict: true } is viem isHex's default, so an empty options object is the same call",
  [`${sdk}:292 StringLiteral ""`]:
    "viem's readContract encodes and decodes with abi[0] when functionName is empty, and getRecord is ledgerAbi[0]",
  [`${sdk}:327 StringLiteral ""`]:
    "viem's readContract encodes and decodes with abi[0] when functionName is empty, and verdict is judgeAbi[0]",
};
