import { keccak256, toBytes, type Hex } from "viem";

import { canonicalJson } from "../../offchain/sdk/canonicalJson.js";
import { recordId } from "../../offchain/sdk/recordId.js";
import type { SignedOperation } from "../../offchain/sdk/wire.js";
import type { NormalizedSubmission } from "../../offchain/representation/accept/normalizeSubmission.js";

// URIs that break naive array-literal or JSON quoting.
const URIS = ["", 'a "quoted" uri', "back\\slash", "{braces},commas", "NULL", "ünïcødé ✓", "x\ny"];

/**
 * A well-formed outbox entry for storage tests (its signature is not a real one): record `i`
 * has data hash keccak256("record-i"), payload `{"i":i}` and the record id the ledger would give
 * it (`recordId(source, record)`, not the data hash).
 */
export function outboxSubmission(
  i: number,
  mode: "block" | "relayed" = "block",
): NormalizedSubmission {
  const operation: SignedOperation = {
    source: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    record: {
      dataHash: keccak256(toBytes(`record-${i}`)),
      formatId: keccak256(toBytes("format")),
      metadataHash: keccak256(toBytes("meta")),
      sampledAt: 1_700_000_000 + i,
      uri: URIS[i % URIS.length],
    },
    deadline: 2_000_000_000,
    epoch: i % 3,
    signature: `0x${"ab".repeat(65)}` as Hex,
  };
  return {
    recordId: recordId(operation.source, operation.record),
    mode,
    operation,
    operationHash: keccak256(toBytes(canonicalJson({ mode, operation }))),
    payloadBytes: toBytes(`{"i":${i}}`),
    payloadText: `{"i":${i}}`,
    operationJson: canonicalJson(operation),
  };
}
