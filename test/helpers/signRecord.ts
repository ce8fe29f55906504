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
    { name: "epoch", type: "uint32" },
  ],
};

/** A record plus everything a relayer or a data block needs to prove who signed it. */
export interface SignedOperation {
  source: string;
  record: RecordInput;
  deadline: bigint;
  /** The source's signing epoch the signature was made in. */
  epoch: bigint;
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
 * The current signing epoch of the source `key` is bound to (`getSource(sourceIdOf(key)).epoch`),
 * 0 for a key bound to none.
 */
export async function currentEpoch(ledger: DataLedger, key: string): Promise<bigint> {
  const sourceId = await ledger.sourceIdOf(key);
  return sourceId === 0n ? 0n : (await ledger.getSource(sourceId)).epoch;
}

/**
 * Signs `record` with `deadline` for `ledger` as a data source does (ethers `signTypedData`), in
 * `options.epoch`, by default the claimed source's current epoch on `ledger` (read at the time of
 * the call, so a suspension or rotation after it makes the operation stale).
 *
 * @example
 * const op = await signRecord(sourceKey, ledger, makeRecord("r", formatId), deadline);
 * await ledger.submitRecordBySig(op.source, op.record, op.deadline, op.signature);
 * const stale = await signRecord(sourceKey, ledger, record, deadline, { epoch: 0n });
 */
export async function signRecord(
  signer: Signer,
  ledger: DataLedger,
  record: RecordInput,
  deadline: bigint,
  options: { chainId?: bigint; source?: string; epoch?: bigint } = {},
): Promise<SignedOperation> {
  const domain = await recordDomain(ledger, options.chainId);
  const source = options.source ?? (await signer.getAddress());
  const epoch = options.epoch ?? (await currentEpoch(ledger, source));
  const signature = await signer.signTypedData(domain, RECORD_TYPES, {
    ...record,
    deadline,
    epoch,
  });
  return { source, record, deadline, epoch, signature };
}
