import { canonicalJson } from "../../sdk/canonicalJson.js";
import type { SignedOperation } from "../../sdk/wire.js";

/**
 * canonicalJson(operation) for the operation shape the outbox holds (RFC 8785 key order spelled
 * out; JCS strings are JSON.stringify's), several times faster than the generic serializer.
 * Anything else, or an integer JCS would spell otherwise, takes the generic path. The accept
 * path serializes each operation once with it: the outbox row and the block document reuse it.
 *
 * @example
 * const json = operationJson(operation); // === canonicalJson(operation)
 */
export function operationJson(operation: SignedOperation): string {
  const { source, record, deadline, epoch, signature } = operation;
  if (
    Object.keys(operation).length !== 5 ||
    Object.keys(record).length !== 5 ||
    !Number.isSafeInteger(deadline) ||
    !Number.isSafeInteger(epoch) ||
    !Number.isSafeInteger(record.sampledAt)
  ) {
    return canonicalJson(operation);
  }
  const { dataHash, formatId, metadataHash, sampledAt, uri } = record;
  return (
    `{"deadline":${deadline},"epoch":${epoch},"record":{"dataHash":${JSON.stringify(dataHash)},` +
    `"formatId":${JSON.stringify(formatId)},"metadataHash":${JSON.stringify(metadataHash)},` +
    `"sampledAt":${sampledAt},"uri":${JSON.stringify(uri)}},` +
    `"signature":${JSON.stringify(signature)},"source":${JSON.stringify(source)}}`
  );
}
