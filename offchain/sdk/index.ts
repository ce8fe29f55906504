// DataLedger device and dapp SDK: the data source actor (D) signs records, the data user actor (U)
// verifies receipts against the chain. Browser-safe: no node: imports below this directory.
export { canonicalJson } from "./canonicalJson.js";
export { createRecord } from "./createRecord.js";
export type { CreateRecordParameters, CreateRecordReturnType } from "./createRecord.js";
export {
  ChainUnavailableError,
  EnvelopeCommitmentMismatchError,
  EnvelopeDecryptionFailedError,
  EnvelopeHashMismatchError,
  EnvelopeMalformedError,
  InvalidArgumentError,
  KeyWrapInvalidError,
  PayloadNotCanonicalizableError,
  ReceiptLeafIndexInvalidError,
  ReceiptOperationDisputedError,
  ReceiptMalformedError,
  ReceiptNotOnChainError,
  ReceiptOperationChallengeableError,
  ReceiptPayloadMismatchError,
  ReceiptProofInvalidError,
  ReceiptRecordIdMismatchError,
  ReceiptSignatureInvalidError,
  SourceUnknownError,
} from "./errors.js";
export { buildDataBlockTree, dataBlockTreeOfLeaves } from "./buildDataBlockTree.js";
export type { DataBlockTreeView } from "./buildDataBlockTree.js";
export { dataBlockId } from "./dataBlockId.js";
export { hashPayload } from "./hashPayload.js";
export { hashRecord } from "./hashRecord.js";
export type { HashRecordParameters } from "./hashRecord.js";
export { hashRecordStruct } from "./hashRecordStruct.js";
export { leafEncoding, leafHash, leafValues } from "./leafHash.js";
export { dataBlockStatus, disputeReasons, judgeAbi, ledgerAbi, recordStatus } from "./ledgerAbi.js";
export { ledgerDomain } from "./ledgerDomain.js";
export type { LedgerDomain } from "./ledgerDomain.js";
export { openPayload } from "./openPayload.js";
export type { OpenPayloadParameters, OpenPayloadReturnType } from "./openPayload.js";
export {
  createReaderKey,
  readerKeyTypes,
  readerPublicKey,
  signReaderKey,
  verifyReaderKey,
} from "./readerKey.js";
export type { ReaderKeyStatement } from "./readerKey.js";
export { readSourceEpoch } from "./readSourceEpoch.js";
export type { ReadSourceEpochParameters } from "./readSourceEpoch.js";
export { recordId, recordIdPreimage } from "./recordId.js";
export { recordTypes } from "./recordTypes.js";
export {
  GatewayRejectedError,
  GatewayUnavailableError,
  getRecordStatus,
  sendRecord,
  sendRecords,
} from "./sendRecords.js";
export type { SendOptions } from "./sendRecords.js";
export { rewrapDataKey } from "./rewrapDataKey.js";
export type { RewrapDataKeyParameters } from "./rewrapDataKey.js";
export {
  SEALED_ENVELOPE_ALGORITHM,
  SEALED_ENVELOPE_VERSION,
  hashSealedEnvelope,
  parseKeyWrap,
  parseSealedEnvelope,
  sealedCommitment,
} from "./sealedEnvelope.js";
export type { KeyWrap, SealedEnvelope } from "./sealedEnvelope.js";
export { sealPayload } from "./sealPayload.js";
export type { SealPayloadParameters, SealPayloadReturnType } from "./sealPayload.js";
export { keyWrapsTypes, recoverKeyWrapsSigner, signKeyWraps } from "./signKeyWraps.js";
export { signRecord } from "./signRecord.js";
export type { SignRecordParameters } from "./signRecord.js";
export { signSourceKey } from "./signSourceKey.js";
export type { SignSourceKeyParameters } from "./signSourceKey.js";
export { sourceKeyTypes } from "./sourceKeyTypes.js";
export {
  AcceptedSchema,
  AddressSchema,
  BulkResultSchema,
  Bytes32Schema,
  ErrorSchema,
  LedgerRecordSchema,
  ReceiptSchema,
  RecordStateSchema,
  RecordStatusSchema,
  SignedOperationSchema,
  SubmissionSchema,
  VerdictSchema,
} from "./wire.js";
export type {
  Accepted,
  AnchoringMode,
  LedgerRecord,
  Receipt,
  RecordState,
  RecordStatus,
  SignedOperation,
  Submission,
  Verdict,
} from "./wire.js";
export {
  dataBlockDepth,
  dataBlockNode,
  dataBlockProofRoot,
  verifyDataBlockProof,
} from "./verifyDataBlockProof.js";
export type { VerifyDataBlockProofParameters } from "./verifyDataBlockProof.js";
export { verifyReceipt } from "./verifyReceipt.js";
export type { VerifyReceiptParameters, VerifyReceiptReturnType } from "./verifyReceipt.js";
export { verifyRecordSignature } from "./verifyRecordSignature.js";
export type { VerifyRecordSignatureParameters } from "./verifyRecordSignature.js";
export { BaseError } from "../shared/BaseError.js";
