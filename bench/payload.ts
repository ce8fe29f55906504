import { keccak256, toUtf8Bytes } from "ethers";

/**
 * The one record shape every benchmarked operation carries, ours and EAS's alike, so that gas
 * differences come from the contracts and not from the payload.
 */
export interface BenchRecord {
  dataHash: string;
  formatId: string;
  metadataHash: string;
  sampledAt: number;
  uri: string;
}

/** A CIDv1 (base32, raw codec) behind `ipfs://`: 66 characters, what a source really publishes. */
export const RECORD_URI = "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

/** 2026-01-01T00:00:00Z. Fixed, like every input here, so reruns send byte-identical calldata. */
export const SAMPLED_AT = 1_767_225_600;

/** 2100-01-01T00:00:00Z: signatures never expire during the run, whatever the wall clock says. */
export const DEADLINE = 4_102_444_800;

/**
 * The signing epoch of every benchmark source: each is registered for the run and never
 * suspended or rotated, so it stays in its first epoch.
 */
export const EPOCH = 0;

/** Hash of the metadata document shared by all benchmark records. */
export const METADATA_HASH = keccak256(toUtf8Bytes("dataledger.bench.metadata"));

/**
 * The `index`-th record of a named series. Data hashes differ per record (so every record of a
 * series, from one source at one sampling time, has its own record id) but are all full-entropy
 * words, so every record costs the same calldata.
 *
 * @example
 * const record = benchRecord(formatId, "direct", 0);
 */
export function benchRecord(formatId: string, series: string, index: number): BenchRecord {
  return {
    dataHash: keccak256(toUtf8Bytes(`dataledger.bench.${series}.${index}`)),
    formatId,
    metadataHash: METADATA_HASH,
    sampledAt: SAMPLED_AT,
    uri: RECORD_URI,
  };
}
