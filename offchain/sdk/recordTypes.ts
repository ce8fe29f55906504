/**
 * EIP-712 types of a source-signed record, as the ledger's `RECORD_TYPEHASH` spells them:
 * `Record(bytes32 dataHash,bytes32 formatId,bytes32 metadataHash,uint48 sampledAt,string uri,uint48 deadline,uint32 epoch)`.
 *
 * @example
 * hashTypedData({ domain, types: recordTypes, primaryType: "Record", message });
 */
export const recordTypes = {
  Record: [
    { name: "dataHash", type: "bytes32" },
    { name: "formatId", type: "bytes32" },
    { name: "metadataHash", type: "bytes32" },
    { name: "sampledAt", type: "uint48" },
    { name: "uri", type: "string" },
    { name: "deadline", type: "uint48" },
    { name: "epoch", type: "uint32" },
  ],
} as const;
