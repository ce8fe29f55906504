import { id } from "ethers";

/** A record as the ledger takes it (mirrors the Solidity `RecordInput`). */
export interface RecordInput {
  dataHash: string;
  formatId: string;
  metadataHash: string;
  sampledAt: bigint;
  uri: string;
}

/** Source clock of the sample records; any fixed value works, the ledger does not check it. */
export const SAMPLED_AT = 1_700_000_000n;

/**
 * A deterministic record whose hashes derive from `label`, so two labels never collide.
 *
 * @example
 * await ledger.connect(sourceKey).submitRecord(makeRecord("reading-1", formatId));
 */
export function makeRecord(
  label: string,
  formatId: string,
  overrides: Partial<RecordInput> = {},
): RecordInput {
  return {
    dataHash: id(`data:${label}`),
    formatId,
    metadataHash: id(`metadata:${label}`),
    sampledAt: SAMPLED_AT,
    uri: `ipfs://${label}`,
    ...overrides,
  };
}
