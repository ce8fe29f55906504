import { x25519 } from "@noble/curves/ed25519.js";
import {
  bytesToHex,
  hexToBytes,
  isAddressEqual,
  isHex,
  recoverTypedDataAddress,
  size,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";

import { InvalidArgumentError } from "./errors.js";
import type { LedgerDomain } from "./ledgerDomain.js";

/**
 * EIP-712 types of a data user's encryption key statement: the account vouches that
 * `encryptionKey` (X25519, 32 bytes) is its reader key from `issuedAt` on. Signed in the ledger's
 * domain, so a statement is for one chain and one ledger; the newest `issuedAt` wins, so an old
 * statement replayed cannot undo a rotation.
 *
 * @example
 * hashTypedData({ domain, types: readerKeyTypes, primaryType: "ReaderKey", message });
 */
export const readerKeyTypes = {
  ReaderKey: [
    { name: "account", type: "address" },
    { name: "encryptionKey", type: "bytes32" },
    { name: "issuedAt", type: "uint48" },
  ],
} as const;

/** A data user's signed reader key, as the service stores and serves it. */
export interface ReaderKeyStatement {
  account: Address;
  /** X25519 public key, 32 bytes of lower-case hex. */
  encryptionKey: Hex;
  /** Unix seconds. */
  issuedAt: number;
  /** The account's EIP-712 signature of `ReaderKey(account, encryptionKey, issuedAt)`. */
  signature: Hex;
}

/**
 * A fresh X25519 key pair for reading confidential payloads. Keep `privateKey` on the reader's
 * device; register `publicKey` with `signReaderKey`.
 *
 * @example
 * const { privateKey, publicKey } = createReaderKey();
 */
export function createReaderKey(): { privateKey: Hex; publicKey: Hex } {
  const secret = x25519.utils.randomPrivateKey();
  return { privateKey: bytesToHex(secret), publicKey: bytesToHex(x25519.getPublicKey(secret)) };
}

/**
 * The X25519 public key of a reader's private key.
 *
 * @example
 * readerPublicKey(privateKey) === publicKey;
 */
export function readerPublicKey(privateKey: Hex): Hex {
  return bytesToHex(x25519.getPublicKey(hexToBytes(privateKey)));
}

/**
 * Signs the statement that `encryptionKey` is the account's reader key, for the service's
 * `PUT /v1/reader-keys`.
 *
 * @throws {InvalidArgumentError} `SDK_INVALID_ARGUMENT` for a key that is not 32 bytes of hex.
 *
 * @example
 * const statement = await signReaderKey({ account, encryptionKey: publicKey, domain });
 */
export async function signReaderKey({
  account,
  encryptionKey,
  domain,
  issuedAt = Math.floor(Date.now() / 1000),
}: {
  account: LocalAccount;
  encryptionKey: Hex;
  domain: LedgerDomain;
  issuedAt?: number;
}): Promise<ReaderKeyStatement> {
  if (!isHex(encryptionKey, { strict: true }) || size(encryptionKey) !== 32) {
    throw new InvalidArgumentError("encryptionKey must be 32 bytes of hex", { encryptionKey });
  }
  const message = {
    account: account.address,
    encryptionKey: encryptionKey.toLowerCase() as Hex,
    issuedAt,
  };
  const signature = await account.signTypedData({
    domain,
    types: readerKeyTypes,
    primaryType: "ReaderKey",
    message,
  });
  return { ...message, signature };
}

/**
 * Whether the statement is signed by its account in this ledger's domain. The service checks it
 * before storing a key; a device checks it again before wrapping for the key, so a service that
 * swaps keys is caught by the device.
 *
 * @example
 * if (!(await verifyReaderKey(statement, domain))) throw new Error("forged reader key");
 */
export async function verifyReaderKey(
  statement: ReaderKeyStatement,
  domain: LedgerDomain,
): Promise<boolean> {
  try {
    const signer = await recoverTypedDataAddress({
      domain,
      types: readerKeyTypes,
      primaryType: "ReaderKey",
      message: {
        account: statement.account,
        encryptionKey: statement.encryptionKey,
        issuedAt: statement.issuedAt,
      },
      signature: statement.signature,
    });
    return isAddressEqual(signer, statement.account);
  } catch {
    return false;
  }
}
