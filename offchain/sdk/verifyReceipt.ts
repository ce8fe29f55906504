import {
  BaseError as ViemError,
  ContractFunctionZeroDataError,
  createPublicClient,
  getAddress,
  http,
  type Address,
  type Client,
  type Hex,
} from "viem";
import { getChainId, readContract } from "viem/actions";

import {
  ChainUnavailableError,
  ReceiptLeafIndexInvalidError,
  ReceiptOperationDisputedError,
  ReceiptMalformedError,
  ReceiptNotOnChainError,
  ReceiptOperationChallengeableError,
  ReceiptPayloadMismatchError,
  ReceiptProofInvalidError,
  ReceiptRecordIdMismatchError,
  ReceiptSignatureInvalidError,
} from "./errors.js";
import { dataBlockId } from "./dataBlockId.js";
import { hashPayload } from "./hashPayload.js";
import { leafHash } from "./leafHash.js";
import { dataBlockStatus, disputeReasons, judgeAbi, ledgerAbi, recordStatus } from "./ledgerAbi.js";
import { ledgerDomain } from "./ledgerDomain.js";
import { recordId as recordIdOf } from "./recordId.js";
import { ReceiptSchema, type Receipt, type SignedOperation } from "./wire.js";
import { dataBlockDepth, dataBlockProofRoot } from "./verifyDataBlockProof.js";
import { verifyRecordSignature } from "./verifyRecordSignature.js";

export type VerifyReceiptParameters = {
  /** The data item as the data user holds it. */
  payload: unknown;
  /** The receipt, from wherever it came; nothing in it is trusted. */
  receipt: Receipt;
  /** The DataLedger contract to check against. */
  ledgerAddress: Address;
} & (
  | { /** Any EVM JSON-RPC endpoint of the ledger's chain. */ rpcUrl: string; publicClient?: never }
  | { /** A viem client on the ledger's chain. */ publicClient: Client; rpcUrl?: never }
);

export interface VerifyReceiptReturnType {
  verified: true;
  kind: Receipt["kind"];
  /** The record's id, `recordId(source, operation.record)` (not the data hash). */
  recordId: Hex;
  dataHash: Hex;
  /** The key that signed the record. */
  source: Address;
  /** The ledger's id of the source that key is bound to. */
  sourceId: bigint;
  /** Block timestamp (unix seconds) at which the data block or record was anchored. */
  anchoredAt: number;
  /**
   * "block" only: the block's id and root, its gateway, the chain id its signatures are judged
   * under, the operation's leaf and its position.
   */
  blockId?: Hex;
  root?: Hex;
  gateway?: Address;
  chainId?: number;
  leaf?: Hex;
  leafIndex?: number;
  /** "record" only: the record's lifecycle status; a revoked record stays anchored. */
  status?: "active" | "superseded" | "revoked";
}

const recordStatusName = {
  [recordStatus.Active]: "active",
  [recordStatus.Superseded]: "superseded",
  [recordStatus.Revoked]: "revoked",
} as const;

/**
 * Verifies a receipt for a payload using only the payload, the receipt and the chain, trusting
 * neither the gateway that issued the receipt nor any service API (Y.4561 clause 6.2.4
 * "verification"):
 * 1. the payload's canonical hash is the receipt's data hash (`RECEIPT_PAYLOAD_MISMATCH`), and the
 *    receipt's record id is the one the operation names, `recordId(source, record)`
 *    (`RECEIPT_RECORD_ID_MISMATCH`): a receipt cannot lend another record's id to its operation;
 * 2. for a data block: the block `blockId` is anchored (`RECEIPT_NOT_ON_CHAIN`); the leaf index is
 *    below its count and the proof has its depth ceil(log2(count)) (`RECEIPT_LEAF_INDEX_INVALID`);
 *    the operation's leaf, hashed with the block's own gateway, leads by the proof at that index
 *    to the receipt's root, and that root with the gateway to `blockId`
 *    (`RECEIPT_PROOF_INVALID`);
 * 3. the source key signed the record, deadline and epoch for this ledger, under the chain id
 *    the block was anchored on (a record's: the chain's now) (`RECEIPT_SIGNATURE_INVALID`);
 *    whether that epoch was the source's when the block was anchored is the judge's
 *    `StaleEpoch` rule below, and a relayed record could only be anchored in the source's epoch
 *    of the moment;
 * 4. on-chain: the operation is not struck from its block (`RECEIPT_OPERATION_DISPUTED`; other
 *    struck operations of the block do not matter), the judge places it at its index
 *    (`verifyInclusion`), and the judge finds it breaks no rule
 *    (`RECEIPT_OPERATION_CHALLENGEABLE`, with the rule as `details.reason`);
 *    or the individually anchored record (read by its record id) exists with the signed
 *    attributes and is attributed to the source key's id (`RECEIPT_NOT_ON_CHAIN`).
 *
 * An unreachable endpoint gives `CHAIN_UNAVAILABLE` (retryable); a malformed receipt
 * `RECEIPT_MALFORMED`.
 *
 * @example
 * const result = await verifyReceipt({
 *   payload: { pm25: 12.5, station: "A1" },
 *   receipt, // as returned by the gateway
 *   rpcUrl: "https://rpc.example.org",
 *   ledgerAddress: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
 * });
 * console.log(result.sourceId, new Date(result.anchoredAt * 1000));
 */
export async function verifyReceipt(
  parameters: VerifyReceiptParameters,
): Promise<VerifyReceiptReturnType> {
  const { payload, receipt } = parameters;
  assertWellFormed(receipt);
  const ledgerAddress = getAddress(parameters.ledgerAddress);
  const { operation } = receipt;
  const source = getAddress(operation.source);

  const dataHash = hashPayload(payload);
  for (const claimed of [receipt.dataHash, operation.record.dataHash]) {
    if (claimed.toLowerCase() !== dataHash) {
      throw new ReceiptPayloadMismatchError({ expected: claimed, actual: dataHash });
    }
  }
  // The id the ledger keys the record by (the contract's recordIdOf), computed from the signed
  // operation rather than taken from the receipt.
  const recordId = recordIdOf(source, operation.record);
  if (receipt.recordId.toLowerCase() !== recordId) {
    throw new ReceiptRecordIdMismatchError({ expected: recordId, actual: receipt.recordId });
  }

  const client =
    parameters.publicClient ?? createPublicClient({ transport: http(parameters.rpcUrl) });
  const read = readerFor(client, ledgerAddress);
  const base = {
    verified: true as const,
    kind: receipt.kind,
    recordId,
    dataHash,
    source,
  };

  if (receipt.kind === "block") {
    const blockId = receipt.blockId!.toLowerCase() as Hex;
    const leafIndex = receipt.leafIndex!;
    const proof = receipt.proof!;
    const [dataBlock, judge, sourceId] = await Promise.all([
      read.getDataBlock(blockId),
      read.dataBlockJudge(),
      read.sourceIdOf(source),
    ]);
    if (dataBlock.status === dataBlockStatus.None) {
      throw new ReceiptNotOnChainError("No data block with this id is anchored", { blockId });
    }
    const count = Number(dataBlock.count);
    if (!(leafIndex < count) || proof.length !== dataBlockDepth(count)) {
      throw new ReceiptLeafIndexInvalidError({
        blockId,
        leafIndex,
        count,
        proofLength: proof.length,
      });
    }
    // The leaf is hashed with the gateway the ledger names for the block, never one the receipt
    // names: a rival's copy of the root proves nothing for operations it did not gather.
    const gateway = getAddress(dataBlock.gateway);
    const leaf = leafHash(gateway, operation);
    const root = dataBlockProofRoot(leaf, leafIndex, proof);
    if (
      root === undefined ||
      root !== receipt.root!.toLowerCase() ||
      dataBlockId(gateway, root) !== blockId
    ) {
      throw new ReceiptProofInvalidError({ blockId, root: receipt.root!, leaf, leafIndex });
    }
    // Judged in the domain the block was anchored under, so a later chain-id change leaves
    // the receipt valid (data block protocol v3, rule D).
    const chainId = Number(dataBlock.chainId);
    if (
      !(await verifyRecordSignature({ domain: ledgerDomain(chainId, ledgerAddress), operation }))
    ) {
      throw new ReceiptSignatureInvalidError({ source });
    }
    const signed = { ...operation, source };
    const [included, disputed] = await Promise.all([
      read.verifyInclusion(judge, blockId, signed, leafIndex, proof),
      read.isOperationDisputed(blockId, leaf),
    ]);
    // A struck operation is refused; a block with other struck operations is not held against this one.
    if (disputed) throw new ReceiptOperationDisputedError({ blockId, leaf });
    if (!included) {
      throw new ReceiptNotOnChainError("The ledger does not place the leaf in the data block", {
        blockId,
        leaf,
        leafIndex,
      });
    }
    // Not struck yet, but would it be? The ledger's own judge applies every rule of the direct
    // path at the block's anchoring second; the SDK keeps no copy of those rules to drift.
    const [valid, reason] = await read.verdict(judge, blockId, signed);
    const { anchoredAt } = dataBlock;
    if (!valid) {
      throw new ReceiptOperationChallengeableError(
        `The ledger's DataBlockJudge would strike the operation: ${disputeReasons[reason] ?? reason}`,
        {
          reason: disputeReasons[reason] ?? reason,
          blockId,
          leaf,
          anchoredAt,
          deadline: operation.deadline,
        },
      );
    }
    return {
      ...base,
      sourceId,
      anchoredAt,
      blockId,
      root,
      gateway,
      chainId,
      leaf,
      leafIndex,
    };
  }

  const chainId = await onChain(() => getChainId(client));
  if (!(await verifyRecordSignature({ domain: ledgerDomain(chainId, ledgerAddress), operation }))) {
    throw new ReceiptSignatureInvalidError({ source });
  }
  const [record, sourceId] = await Promise.all([read.getRecord(recordId), read.sourceIdOf(source)]);
  if (record.status === recordStatus.None) {
    throw new ReceiptNotOnChainError("No record with this id is anchored", { recordId });
  }
  // The id commits to the signing key, so a record under it was anchored by that key; the check
  // still guards against a ledger or RPC that answers otherwise.
  if (sourceId === 0n || record.sourceId !== sourceId) {
    throw new ReceiptNotOnChainError("The anchored record belongs to another source", {
      recordId,
      source,
      sourceId,
      recordSourceId: record.sourceId,
    });
  }
  if (
    record.formatId.toLowerCase() !== operation.record.formatId.toLowerCase() ||
    record.sampledAt !== operation.record.sampledAt
  ) {
    throw new ReceiptNotOnChainError("The anchored record differs from the signed one", {
      recordId,
    });
  }
  return {
    ...base,
    sourceId,
    anchoredAt: record.recordedAt,
    status: recordStatusName[record.status as 1 | 2 | 3],
  };
}

/**
 * Checks the receipt against the one wire definition (`ReceiptSchema`) and names the first field
 * that fails: its path without array positions (`proof`, not `proof.1`), or `receipt` itself.
 */
function assertWellFormed(receipt: unknown): asserts receipt is Receipt {
  const parsed = ReceiptSchema.safeParse(receipt);
  if (parsed.success) return;
  const field =
    parsed.error.issues[0].path.filter((segment) => typeof segment === "string").join(".") ||
    "receipt";
  throw new ReceiptMalformedError(`Receipt field ${field} is missing or malformed`, { field });
}

/** Runs a chain read; no code at the ledger address means nothing is anchored there. */
async function onChain<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (cause) {
    if (
      cause instanceof ViemError &&
      cause.walk((e) => e instanceof ContractFunctionZeroDataError)
    ) {
      throw new ReceiptNotOnChainError("No DataLedger contract answers at this address", {});
    }
    throw new ChainUnavailableError(cause);
  }
}

function readerFor(client: Client, address: Address) {
  return {
    getDataBlock: (blockId: Hex) =>
      onChain(() =>
        readContract(client, {
          address,
          abi: ledgerAbi,
          functionName: "getDataBlock",
          args: [blockId],
        }),
      ),
    getRecord: (recordId: Hex) =>
      onChain(() =>
        readContract(client, {
          address,
          abi: ledgerAbi,
          functionName: "getRecord",
          args: [recordId],
        }),
      ),
    verifyInclusion: (
      judge: Address,
      blockId: Hex,
      operation: SignedOperation,
      leafIndex: number,
      proof: readonly Hex[],
    ) =>
      onChain(() =>
        readContract(client, {
          address: judge,
          abi: judgeAbi,
          functionName: "verifyInclusion",
          args: [blockId, operation, BigInt(leafIndex), proof],
        }),
      ),
    sourceIdOf: (key: Address) =>
      onChain(() =>
        readContract(client, { address, abi: ledgerAbi, functionName: "sourceIdOf", args: [key] }),
      ),
    isOperationDisputed: (blockId: Hex, leaf: Hex) =>
      onChain(() =>
        readContract(client, {
          address,
          abi: ledgerAbi,
          functionName: "isOperationDisputed",
          args: [blockId, leaf],
        }),
      ),
    dataBlockJudge: () =>
      onChain(() =>
        readContract(client, { address, abi: ledgerAbi, functionName: "dataBlockJudge", args: [] }),
      ),
    verdict: (judge: Address, blockId: Hex, operation: SignedOperation) =>
      onChain(() =>
        readContract(client, {
          address: judge,
          abi: judgeAbi,
          functionName: "verdict",
          args: [blockId, operation],
        }),
      ),
  };
}
