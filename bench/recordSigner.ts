import {
  SigningKey,
  TypedDataEncoder,
  computeAddress,
  concat,
  keccak256,
  type TypedDataDomain,
} from "ethers";

import { mutableTypes } from "../offchain/chain/recordTyping.js";
import type { BenchRecord } from "./payload.js";

/** The ledger's EIP-712 record types, shared with the gateway and SDK. */
export const RECORD_TYPES = mutableTypes();

/** A record with its source signature, as `submitRecordBySig` and data block leaves take it. */
export interface SignedRecord {
  source: string;
  record: BenchRecord;
  deadline: number;
  /** The source's signing epoch the signature was made in. */
  epoch: number;
  /** EIP-712 struct hash of (record, deadline, epoch), part of the data block leaf. */
  structHash: string;
  /** The digest the source signed (`hashRecord` on-chain). */
  digest: string;
  /** 65-byte r‖s‖v signature. */
  signature: string;
}

/**
 * Signs records for the DataLedger straight from a private key. Thousands of data block leaves
 * are signed per run, so this skips the signer abstraction and hashes the domain once; the
 * benchmark checks its output against `Wallet.signTypedData` and the contract's `hashRecord`.
 *
 * @example
 * const signer = new RecordSigner(new SigningKey(privateKey), await eip712Domain(ledger));
 * const { signature } = signer.sign(record, DEADLINE, EPOCH);
 */
export class RecordSigner {
  readonly address: string;
  readonly #key: SigningKey;
  readonly #domainSeparator: string;
  readonly #encoder = TypedDataEncoder.from(RECORD_TYPES);

  constructor(key: SigningKey, domain: TypedDataDomain) {
    this.#key = key;
    this.address = computeAddress(key.publicKey);
    this.#domainSeparator = TypedDataEncoder.hashDomain(domain);
  }

  sign(record: BenchRecord, deadline: number, epoch: number): SignedRecord {
    const structHash = this.#encoder.hash({ ...record, deadline, epoch });
    const digest = keccak256(concat(["0x1901", this.#domainSeparator, structHash]));
    const signature = this.#key.sign(digest).serialized;
    return { source: this.address, record, deadline, epoch, structHash, digest, signature };
  }
}
