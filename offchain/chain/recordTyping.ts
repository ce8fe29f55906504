import { AbiCoder, keccak256, TypedDataEncoder, type TypedDataDomain } from "ethers";

import type { Address, Hex } from "viem";

import { leafEncoding } from "../sdk/leafHash.js";
import { recordId } from "../sdk/recordId.js";
import { recordTypes } from "../sdk/recordTypes.js";

/**
 * ethers flavour of the SDK's record typing (P2R), for Hardhat scripts, the benchmark and tests.
 * The type list and leaf encoding come from the SDK, so both hash exactly what the contract hashes.
 */
export const RECORD_TYPES = recordTypes;

/** A record as sources state it (mirrors the contract's RecordInput). */
export interface RecordInput {
  dataHash: string;
  formatId: string;
  metadataHash: string;
  sampledAt: number | bigint;
  uri: string;
}

/** A source-signed record: the unit of a data block. */
export interface SignedOperation {
  source: string;
  record: RecordInput;
  deadline: number | bigint;
  /** The source's signing epoch the signature was made in (`getSource(id).epoch`, uint32). */
  epoch: number | bigint;
  signature: string;
}

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

/** Leaf values in the order the ledger's `leafHash` encodes them (for StandardMerkleTree). */
export const LEAF_ENCODING = leafEncoding;

export function leafValues(op: SignedOperation): [string, string, bigint, string] {
  return [
    op.source,
    recordStructHash(op.record, op.deadline, op.epoch),
    BigInt(op.deadline),
    keccak256(op.signature),
  ];
}

/** The ledger's `leafHash`: keccak256(bytes.concat(keccak256(abi.encode(leafValues)))). */
export function leafHash(op: SignedOperation): string {
  return keccak256(
    keccak256(AbiCoder.defaultAbiCoder().encode([...LEAF_ENCODING], leafValues(op))),
  );
}

/** ethers wants mutable arrays; the exported constant stays readonly. */
export function mutableTypes() {
  return { Record: RECORD_TYPES.Record.map((f) => ({ ...f })) };
}
