import type { Signer, TypedDataDomain, TypedDataField } from "ethers";

import type { DataLedger } from "../../types/ethers-contracts/index.js";
import type { RecordInput } from "./makeRecord.js";

/** EIP-712 types of a source-signed record, written out independently of the contract. */
export const RECORD_TYPES: Record<string, TypedDataField[]> = {
  Record: [
    { name: "dataHash", type: "bytes32" },
    { name: "formatId", type: "bytes32" },
    { name: "metadataHash", type: "bytes32" },
    { name: "sampledAt", type: "uint48" },
    { name: "uri", type: "string" },
    { name: "deadline", type: "uint48" },
  ],
};

/** A record plus everything a relayer or a data block needs to prove who signed it. */
export interface SignedOperation {
  source: string;
  record: RecordInput;
  deadline: bigint;
  signature: string;
}

/** The ledger's EIP-712 domain; `chainId` may be overridden to forge another chain's signature. */
export async function recordDomain(ledger: DataLedger, chainId?: bigint): Promise<TypedDataDomain> {
  const network = await ledger.runner!.provider!.getNetwork();
  return {
    name: "DataLedger",
    version: "1",
    chainId: chainId ?? network.chainId,
    verifyingContract: await ledger.getAddress(),
  };
}

/**
 * Signs `record` with `deadline` for `ledger` as a data source does (ethers `signTypedData`).
 *
 * @example
 * const op = await signRecord(sourceKey, ledger, makeRecord("r", formatId), deadline);
 * await ledger.submitRecordBySig(op.source, op.record, op.deadline, op.signature);
 */
export async function signRecord(
  signer: Signer,
  ledger: DataLedger,
  record: RecordInput,
  deadline: bigint,
  options: { chainId?: bigint; source?: string } = {},
): Promise<SignedOperation> {
  const domain = await recordDomain(ledger, options.chainId);
  const signature = await signer.signTypedData(domain, RECORD_TYPES, { ...record, deadline });
  return { source: options.source ?? (await signer.getAddress()), record, deadline, signature };
}
