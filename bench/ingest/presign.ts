/**
 * Fast record signing for the ingest benchmark's simulated devices. The SDK path (createRecord +
 * signRecord) costs about half a millisecond per record in pure JS, so a device pool of hundreds
 * of thousands of records would take minutes to sign and, once it ran dry, CPU from the gateway.
 * This builds the EIP-712 digest with the gateway's code (hash-wasm keccak, domain separator
 * once) and signs it with native libsecp256k1; both libsecp256k1 and viem's noble use RFC 6979
 * nonces and low `s`, so the submissions are byte-identical to the SDK's.
 */
import { domainSeparator, zeroHash, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { canonicalJson } from "../../offchain/sdk/canonicalJson.js";
import { createRecord } from "../../offchain/sdk/createRecord.js";
import type { LedgerDomain } from "../../offchain/sdk/ledgerDomain.js";
import type { Submission } from "../../offchain/sdk/wire.js";
import { signRecord } from "../../offchain/sdk/signRecord.js";
import { recordDigest } from "../../offchain/representation/recordHashing.js";
import { keccak256Hex } from "../../offchain/shared/keccak.js";
import { loadNativeSecp256k1 } from "../../offchain/shared/nativeSecp256k1.js";

export interface PresignParameters {
  /** The data item, any JSON value; it is hashed in canonical form. */
  payload: unknown;
  /** Id of the registered format the payload conforms to (32-byte hex). */
  formatId: Hex;
  /** Description document of the data item; zero hash when absent. */
  metadata?: unknown;
  /** Unix seconds; defaults to now, as in `createRecord`. */
  sampledAt?: number;
  /** Defaults to "". */
  uri?: string;
  /** Last unix second at which the signature may be used. */
  deadline: number;
  /** The source's signing epoch (`readSourceEpoch`; 0 for a freshly registered source). */
  epoch: number;
}

/** One device key that signs submissions. */
export interface RecordPresigner {
  readonly address: Address;
  /** "native": libsecp256k1 (N-API binding); "viem": the SDK's signRecord (pure JS). */
  readonly implementation: "native" | "viem";
  /** The same `{ operation, payload }` as createRecord + signRecord, with the same errors. */
  sign(parameters: PresignParameters): Promise<Submission>;
}

const NO_OPTIONS = {};

/**
 * A signer for one device key and ledger domain whose output equals the SDK's
 * `createRecord` + `signRecord` byte for byte, about ten times faster when the native
 * libsecp256k1 binding loads (else it is the SDK path itself).
 *
 * @example
 * const signer = await createPresigner(devicePrivateKey, ledgerDomain(chainId, ledger));
 * const submission = await signer.sign({ payload, formatId, sampledAt, deadline, epoch: 0 });
 */
export async function createPresigner(
  privateKey: Hex,
  domain: LedgerDomain,
  prefer: "native" | "viem" = "native",
): Promise<RecordPresigner> {
  const account = privateKeyToAccount(privateKey);
  const viaSdk = async ({
    payload,
    formatId,
    metadata,
    sampledAt,
    uri,
    deadline,
    epoch,
  }: PresignParameters): Promise<Submission> => {
    const { record } = createRecord({ payload, formatId, metadata, sampledAt, uri });
    const operation = await signRecord({ account, domain, record, deadline, epoch });
    return { operation, payload };
  };
  const secp = prefer === "native" ? loadNativeSecp256k1() : null;
  if (!secp) return { address: account.address, implementation: "viem", sign: viaSdk };

  const separator = Buffer.from(domainSeparator({ domain }).slice(2), "hex");
  const secretKey = Buffer.from(privateKey.slice(2), "hex");
  const signature = Buffer.alloc(65);
  const rs = signature.subarray(0, 64);

  const sign = async (parameters: PresignParameters): Promise<Submission> => {
    const { payload, formatId, metadata, uri = "", deadline, epoch } = parameters;
    const sampledAt = parameters.sampledAt ?? Math.floor(Date.now() / 1000);
    const record = {
      dataHash: keccak256Hex(canonicalJson(payload)),
      formatId,
      metadataHash: metadata === undefined ? zeroHash : keccak256Hex(canonicalJson(metadata)),
      sampledAt,
      uri,
    };
    // The gateway's digest code (the contract's EIP-712 digest); input it cannot encode goes to
    // the SDK, which throws its own error.
    const digest = recordDigest(separator, { record, deadline, epoch });
    if (!digest) return viaSdk(parameters);

    const { recid } = secp.ecdsaSign(digest, secretKey, NO_OPTIONS, rs);
    signature[64] = 27 + recid;
    return {
      operation: {
        source: account.address,
        record,
        deadline,
        epoch,
        signature: `0x${signature.toString("hex")}`,
      },
      payload,
    };
  };
  return { address: account.address, implementation: "native", sign };
}
