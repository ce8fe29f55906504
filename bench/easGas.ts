import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import {
  AbiCoder,
  Signature,
  TypedDataEncoder,
  ZeroAddress,
  ZeroHash,
  id,
  type Wallet,
} from "ethers";

import type { EasFixture } from "./deployEas.js";
import { medianGas, type SampleOptions } from "./medianGas.js";
import { DEADLINE, benchRecord, type BenchRecord } from "./payload.js";

/** EAS's delegated-attestation type, from `ATTEST_TYPEHASH` in eip1271/EIP1271Verifier.sol. */
const ATTEST_TYPES = {
  Attest: [
    { name: "attester", type: "address" },
    { name: "schema", type: "bytes32" },
    { name: "recipient", type: "address" },
    { name: "expirationTime", type: "uint64" },
    { name: "revocable", type: "bool" },
    { name: "refUID", type: "bytes32" },
    { name: "data", type: "bytes" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
};

/** Median transaction gas of the EAS operations we compare against. */
export interface EasGas {
  attest: bigint;
  attestByDelegation: bigint;
  /** One `multiAttest` transaction of `batch` attestations. */
  multiAttest: bigint;
  /** One `multiTimestamp` transaction of `batch` hashes. */
  multiTimestamp: bigint;
}

/** Who does what: the source attests itself or signs for a relayer; a gateway batches. */
export interface EasActors {
  source: Wallet;
  relayer: HardhatEthersSigner;
  gateway: HardhatEthersSigner;
}

/** How much to measure. */
export interface EasGasOptions {
  /** Sampling of single-attestation transactions. */
  records: SampleOptions;
  /** Sampling of batch transactions. */
  batches: SampleOptions;
  /** Attestations or hashes per batch transaction. */
  batch: number;
}

/**
 * Measures EAS on the same records the DataLedger benchmark anchors: no expiry, revocable, no
 * recipient, no reference, no value, data = abi.encode(dataHash, formatId, sampledAt, uri).
 *
 * @example
 * const gas = await measureEasGas(fixture, actors, formatId, {
 *   records: { warmup: 1, samples: 5 },
 *   batches: { warmup: 1, samples: 3 },
 *   batch: 32,
 * });
 */
export async function measureEasGas(
  { eas, schemaUid, domain }: EasFixture,
  { source, relayer, gateway }: EasActors,
  formatId: string,
  { records: recordSampling, batches: batchSampling, batch }: EasGasOptions,
): Promise<EasGas> {
  const typeHash = id(TypedDataEncoder.from(ATTEST_TYPES).encodeType("Attest"));
  if (typeHash !== (await eas.getAttestTypeHash()))
    throw new Error("Attest type differs from EAS's ATTEST_TYPEHASH");

  const attest = await medianGas(recordSampling, (i) =>
    eas
      .connect(source)
      .attest({ schema: schemaUid, data: requestData(benchRecord(formatId, "eas.attest", i)) }),
  );

  // The first delegated attestation also turns the attester's nonce slot from zero to one; the
  // warm-up absorbs that, later ones pay the steady-state increment.
  const attestByDelegation = await medianGas(recordSampling, async (i) => {
    const data = requestData(benchRecord(formatId, "eas.delegated", i));
    const nonce = await eas.getNonce(source.address);
    const message = {
      attester: source.address,
      schema: schemaUid,
      ...data,
      nonce,
      deadline: DEADLINE,
    };
    const { v, r, s } = Signature.from(await source.signTypedData(domain, ATTEST_TYPES, message));
    return eas.connect(relayer).attestByDelegation({
      schema: schemaUid,
      data,
      signature: { v, r, s },
      attester: source.address,
      deadline: DEADLINE,
    });
  });

  const multiAttest = await medianGas(batchSampling, (i) => {
    const data = Array.from({ length: batch }, (_, k) =>
      requestData(benchRecord(formatId, `eas.multi.${i}`, k)),
    );
    return eas.connect(gateway).multiAttest([{ schema: schemaUid, data }]);
  });

  const multiTimestamp = await medianGas(batchSampling, (i) => {
    const hashes = Array.from(
      { length: batch },
      (_, k) => benchRecord(formatId, `eas.timestamp.${i}`, k).dataHash,
    );
    return eas.connect(gateway).multiTimestamp(hashes);
  });

  return { attest, attestByDelegation, multiAttest, multiTimestamp };
}

function requestData(record: BenchRecord) {
  return {
    recipient: ZeroAddress,
    expirationTime: 0n,
    revocable: true,
    refUID: ZeroHash,
    data: AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "bytes32", "uint64", "string"],
      [record.dataHash, record.formatId, record.sampledAt, record.uri],
    ),
    value: 0n,
  };
}
