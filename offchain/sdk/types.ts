import type { Address, Hex } from "viem";

/**
 * What a data source states about one data item (Y.4561 clause 8.6 step 3); mirrors the
 * contract's `RecordInput`. Times are unix seconds as numbers (uint48 fits), so records and
 * receipts travel as plain JSON.
 */
export interface LedgerRecord {
  /**
   * keccak256 of the canonical (RFC 8785) payload. Not the record id: that is `recordId(source,
   * record)`, which also commits to the source key and `sampledAt`.
   */
  dataHash: Hex;
  /** Id of the registered format (hash of its JSON Schema). */
  formatId: Hex;
  /** keccak256 of the canonical metadata document, zero hash when none. */
  metadataHash: Hex;
  /** When the source produced the data (source clock). */
  sampledAt: number;
  /** Where the payload can be fetched (may be empty). */
  uri: string;
}

/** A source-signed record; mirrors the contract's `SignedOperation`, the unit of a data block. */
export interface SignedOperation {
  /** The signing key the record is attributed to. */
  source: Address;
  record: LedgerRecord;
  /** Last unix second at which the signature may be used. */
  deadline: number;
  /**
   * The source's signing epoch the signature was made in (`getSource(id).epoch`, uint32): 0 at
   * registration, one more at every suspension, reactivation, revocation and key rotation. Only
   * the current epoch's signatures are accepted (`readSourceEpoch`).
   */
  epoch: number;
  /** 65-byte EIP-712 signature over (record, deadline, epoch). */
  signature: Hex;
}

/**
 * What a gateway hands back for an accepted record. A verifier trusts none of it: every field is
 * rechecked against the payload and the chain by `verifyReceipt`.
 */
export interface Receipt {
  /**
   * The ledger's key for the record: `recordId(operation.source, operation.record)`, i.e.
   * keccak256(abi.encode(source, dataHash, sampledAt)). Not the data hash: the same payload from
   * two sources, or at two sampling times, is two records.
   */
  recordId: Hex;
  dataHash: Hex;
  /** "block": anchored inside a data block; "record": anchored on its own (relayed). */
  kind: "block" | "record";
  operation: SignedOperation;
  /**
   * For "block": the ledger's key of the data block, `dataBlockId(gateway, root)`
   * (`getDataBlock(blockId)`).
   */
  blockId?: Hex;
  /** For "block": the Merkle root the gateway anchored. */
  root?: Hex;
  /** For "block": the operation's position in the block's positional tree (< the block's count). */
  leafIndex?: number;
  /**
   * For "block": the siblings from the operation's leaf `leafHash(gateway, operation)` to `root`,
   * exactly the block's depth ceil(log2(count)) of them.
   */
  proof?: Hex[];
  /** Transaction that anchored the block or record, informative only. */
  txHash?: Hex;
  /** Block number of that transaction, informative only. */
  blockNumber?: number;
  /** Block timestamp (unix seconds) of that transaction, informative only. */
  anchoredAt?: number;
}
