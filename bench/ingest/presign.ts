/**
 * Fast record signing for the ingest benchmark's simulated devices. The SDK path (createRecord +
 * signRecord) costs about half a millisecond per record in pure JS, so a device pool of hundreds
 * of thousands of records would take minutes to sign and, once it ran dry, CPU from the gateway.
 * This builds the same EIP-712 digest by hand (keccak from hash-wasm, domain separator once) and
 * signs it with native libsecp256k1; both libsecp256k1 and viem's noble use RFC 6979 nonces and
 * low `s`, so the submissions are byte-identical to the SDK's.
 */
import { createRequire } from "node:module";

import { createKeccak, type IHasher } from "hash-wasm";
import { domainSeparator, isHex, size, zeroHash, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { canonicalJson } from "../../offchain/sdk/canonicalJson.js";
import { createRecord } from "../../offchain/sdk/createRecord.js";
import type { LedgerDomain } from "../../offchain/sdk/ledgerDomain.js";
import { recordTypes } from "../../offchain/sdk/recordTypes.js";
import type { Submission } from "../../offchain/sdk/sendRecords.js";
import { signRecord } from "../../offchain/sdk/signRecord.js";

/** The N-API binding's one call we use (the package ships no types). */
interface NativeSecp256k1 {
  ecdsaSign(
    message: Uint8Array,
    privateKey: Uint8Array,
    options: object,
    output: Uint8Array,
  ): { signature: Uint8Array; recid: number };
}

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
}

/** One device key that signs submissions. */
export interface RecordPresigner {
  readonly address: Address;
  /** "native": libsecp256k1 (N-API binding); "viem": the SDK's signRecord (pure JS). */
  readonly implementation: "native" | "viem";
  /** The same `{ operation, payload }` as createRecord + signRecord, with the same errors. */
  sign(parameters: PresignParameters): Promise<Submission>;
}

const MAX_UINT48 = 2 ** 48 - 1;
const NO_OPTIONS = {};

let native: NativeSecp256k1 | null | undefined;
let keccak: Promise<IHasher> | undefined;

/**
 * The binding itself, not the package entry point: that one silently falls back to `elliptic`,
 * which is slower than viem's noble.
 */
function loadNative(): NativeSecp256k1 | null {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
    } catch {
      native = null;
    }
  }
  return native;
}

function isUint48(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value <= MAX_UINT48;
}

/**
 * A signer for one device key and ledger domain whose output equals the SDK's
 * `createRecord` + `signRecord` byte for byte, about ten times faster when the native
 * libsecp256k1 binding loads (else it is the SDK path itself).
 *
 * @example
 * const signer = await createPresigner(devicePrivateKey, ledgerDomain(chainId, ledger));
 * const submission = await signer.sign({ payload, formatId, sampledAt, deadline });
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
  }: PresignParameters): Promise<Submission> => {
    const { record } = createRecord({ payload, formatId, metadata, sampledAt, uri });
    const operation = await signRecord({ account, domain, record, deadline });
    return { operation, payload };
  };
  const secp = prefer === "native" ? loadNative() : null;
  if (!secp) return { address: account.address, implementation: "viem", sign: viaSdk };

  const hasher = await (keccak ??= createKeccak(256));
  const hash = (data: string | Uint8Array): Uint8Array => {
    hasher.init();
    hasher.update(data);
    return hasher.digest("binary");
  };
  const typeHash = hash(
    `Record(${recordTypes.Record.map(({ type, name }) => `${type} ${name}`).join(",")})`,
  );
  const secretKey = Buffer.from(privateKey.slice(2), "hex");
  // abi.encode(typeHash, dataHash, formatId, metadataHash, sampledAt, keccak(uri), deadline):
  // seven words; the high bytes of the uint48 words stay zero.
  const struct = Buffer.alloc(7 * 32);
  struct.set(typeHash, 0);
  const signed = Buffer.alloc(2 + 32 + 32);
  signed.set([0x19, 0x01], 0);
  signed.write(domainSeparator({ domain }).slice(2), 2, "hex");
  const signature = Buffer.alloc(65);
  const rs = signature.subarray(0, 64);
  // A device signs with one format and URI over and over: encode them once.
  let lastFormatId: Hex | undefined;
  let lastUri: string | undefined;

  const sign = async (parameters: PresignParameters): Promise<Submission> => {
    const { payload, formatId, metadata, uri = "", deadline } = parameters;
    const sampledAt = parameters.sampledAt ?? Math.floor(Date.now() / 1000);
    if (formatId !== lastFormatId) {
      // Out-of-range input: let the SDK throw its own error.
      if (!isHex(formatId, { strict: true }) || size(formatId) !== 32) return viaSdk(parameters);
      struct.write(formatId.slice(2), 64, "hex");
      lastFormatId = formatId;
    }
    if (!isUint48(sampledAt) || !isUint48(deadline)) return viaSdk(parameters);

    struct.set(hash(canonicalJson(payload)), 32);
    const dataHash = `0x${struct.toString("hex", 32, 64)}` as Hex;
    let metadataHash: Hex = zeroHash;
    if (metadata === undefined) {
      struct.fill(0, 96, 128);
    } else {
      struct.set(hash(canonicalJson(metadata)), 96);
      metadataHash = `0x${struct.toString("hex", 96, 128)}`;
    }
    struct.writeUIntBE(sampledAt, 128 + 26, 6);
    if (uri !== lastUri) {
      struct.set(hash(uri), 160);
      lastUri = uri;
    }
    struct.writeUIntBE(deadline, 192 + 26, 6);
    signed.set(hash(struct), 34);

    const { recid } = secp.ecdsaSign(hash(signed), secretKey, NO_OPTIONS, rs);
    signature[64] = 27 + recid;
    return {
      operation: {
        source: account.address,
        record: { dataHash, formatId, metadataHash, sampledAt, uri },
        deadline,
        signature: `0x${signature.toString("hex")}`,
      },
      payload,
    };
  };
  return { address: account.address, implementation: "native", sign };
}
