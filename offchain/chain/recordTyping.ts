import { TypedDataEncoder, type TypedDataDomain } from "ethers";

import type { Address, Hex } from "viem";

import { leafHash as sdkLeafHash } from "../sdk/leafHash.js";
import { recordId } from "../sdk/recordId.js";
import { recordTypes } from "../sdk/recordTypes.js";
import type { LedgerRecord, SignedOperation as SdkSignedOperation } from "../sdk/wire.js";

/**
 * ethers flavour of the SDK's record typing (P2R), for Hardhat scripts, the benchmark and tests.
 * The type list and leaf hashing come from the SDK, so both hash exactly what the contract hashes.
 */
export const RECORD_TYPES = recordTypes;

/**
 * A wire type as ethers and typechain hand it around: any string for hex, number or bigint for
 * integers. Derived, so the fields stay those of the one definition in offchain/sdk/wire.ts.
 */
type EthersTyped<T> = {
  [K in keyof T]: T[K] extends number
    ? number | bigint
    : T[K] extends string
      ? string
      : EthersTyped<T[K]>;
};

/** A record as sources state it (the contract's RecordInput), ethers-typed. */
export type RecordInput = EthersTyped<LedgerRecord>;

/** A source-signed record, the unit of a data block, ethers-typed. */
export type SignedOperation = EthersTyped<SdkSignedOperation>;

/**
 * The ledger's id of `source`'s record (its `recordIdOf(source, dataHash, sampledAt)`), for
 * ethers-typed records: the SDK's `recordId`, which holds the one definition of the rule.
 *
 * @example
 * const onChain = await ledger.getRecord(recordIdOf(device.address, record));
 */
export function recordIdOf(source: string, record: RecordInput): string {
  return recordId(source as Address, {
    dataHash: record.dataHash as Hex,
    sampledAt: Number(record.sampledAt),
  });
}

/** The ledger's EIP-712 domain on a given chain. */
export function ledgerDomain(chainId: bigint | number, ledger: string): TypedDataDomain {
  return { name: "DataLedger", version: "1", chainId, verifyingContract: ledger };
}

/** EIP-712 struct hash of a record with its signature deadline and the source's signing epoch. */
export function recordStructHash(
  record: RecordInput,
  deadline: number | bigint,
  epoch: number | bigint,
): string {
  return TypedDataEncoder.from(mutableTypes()).hashStruct("Record", { ...record, deadline, epoch });
}

/** The EIP-712 digest a source signs (the ledger's `hashRecord(record, deadline, epoch)`). */
export function recordDigest(
  domain: TypedDataDomain,
  record: RecordInput,
  deadline: number | bigint,
  epoch: number | bigint,
): string {
  return TypedDataEncoder.hash(domain, mutableTypes(), { ...record, deadline, epoch });
}

/** The SDK's (viem-typed) form of an ethers-typed operation: the SDK holds the hashing rules. */
export function toSdkOperation(op: SignedOperation): SdkSignedOperation {
  return {
    source: op.source as Address,
    record: {
      dataHash: op.record.dataHash as Hex,
      formatId: op.record.formatId as Hex,
      metadataHash: op.record.metadataHash as Hex,
      sampledAt: Number(op.record.sampledAt),
      uri: op.record.uri,
    },
    deadline: Number(op.deadline),
    epoch: Number(op.epoch),
    signature: op.signature as Hex,
  };
}

/**
 * The ledger's `leafHash(gateway, operation)` for ethers-typed operations: the SDK's `leafHash`,
 * which holds the one definition of the rule.
 *
 * @example
 * expect(leafHash(gateway.address, op)).to.equal(await judge.leafHash(gateway.address, op));
 */
export function leafHash(gateway: string, op: SignedOperation): string {
  return sdkLeafHash(gateway as Address, toSdkOperation(op));
}

/** ethers wants mutable arrays; the exported constant stays readonly. */
export function mutableTypes() {
  return { Record: RECORD_TYPES.Record.map((f) => ({ ...f })) };
}
