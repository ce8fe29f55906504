import { hexToBigInt, isAddressEqual, isHex, recoverAddress, size, slice } from "viem";

import { hashRecord } from "./hashRecord.js";
import type { LedgerDomain } from "./ledgerDomain.js";
import type { SignedOperation } from "./wire.js";
import { isUint32 } from "../shared/uint48.js";

/** Half the secp256k1 group order: OpenZeppelin ECDSA rejects larger `s` (malleable signatures). */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

export interface VerifyRecordSignatureParameters {
  domain: LedgerDomain;
  operation: SignedOperation;
}

/**
 * Whether the operation's signature was made by its `source` key over (record, deadline, epoch)
 * for this ledger, by the rules of the ledger's OpenZeppelin `ECDSA.tryRecover`: 65 bytes, `v` of 27 or 28,
 * low `s`. A signature the contract would reject is never reported valid here. Whether the epoch is
 * (or was) the source's is a chain question, not this function's.
 *
 * @example
 * const ok = await verifyRecordSignature({ domain: ledgerDomain(chainId, ledger), operation });
 */
export async function verifyRecordSignature({
  domain,
  operation,
}: VerifyRecordSignatureParameters): Promise<boolean> {
  const { signature, source } = operation;
  if (!isUint32(operation.epoch)) return false;
  if (typeof signature !== "string" || !isHex(signature, { strict: true })) return false;
  if (size(signature) !== 65) return false;
  const s = hexToBigInt(slice(signature, 32, 64));
  const v = hexToBigInt(slice(signature, 64, 65));
  if (s > HALF_N || (v !== 27n && v !== 28n)) return false;
  try {
    const recovered = await recoverAddress({
      hash: hashRecord({
        domain,
        record: operation.record,
        deadline: operation.deadline,
        epoch: operation.epoch,
      }),
      signature,
    });
    return isAddressEqual(recovered, source);
  } catch {
    return false;
  }
}
