/**
 * Which record ids the ledger may hold as individually anchored records (DataRegistry's record
 * map, filled only through `RecordAnchored`, whose first indexed topic is the record id), as a
 * Bloom filter over every such event up to block `coveredTo`. Records are never deleted on-chain
 * (revoked and superseded ones keep their slot), so an id the filter does not hold is not
 * on-chain at any block up to `coveredTo`: the R2D duplicate check asks the chain only about ids
 * the filter may hold. Before the filter,
 * that check was an `eth_call` per request whose storage reads cost the chain node ~13 µs per
 * record, most of its CPU at full ingest. A false positive costs only that call, never a wrong
 * verdict.
 *
 * Hand-written rather than a library: record ids are keccak256 outputs, so the filter takes its
 * bit positions straight from the id's 32-bit words instead of hashing the key again.
 *
 * @example
 * const filter = new AnchoredRecordFilter();
 * filter.add(recordId);
 * filter.coveredTo = head.number;
 * if (filter.covers(head.number) && !filter.mayHold(other)) {
 *   // not on-chain at head.number
 * }
 */
export class AnchoredRecordFilter {
  /** Bits in the filter: 2 MiB, under 0.1% false positives up to a million records. */
  static readonly BITS = 1 << 24;
  /** Bit positions per hash (32-bit words 0..6 of the 256-bit hash). */
  static readonly PROBES = 7;

  readonly #words = new Uint32Array(AnchoredRecordFilter.BITS / 32);
  /**
   * Every `RecordAnchored` of blocks up to this one has been added; -1 while it is not known
   * (before the first scan, and while a rewound chain is read again).
   */
  coveredTo = -1;
  #size = 0;

  /** Hashes added (repeats included). */
  get size(): number {
    return this.#size;
  }

  add(recordId: string): void {
    for (let probe = 0; probe < AnchoredRecordFilter.PROBES; probe++) {
      const bit = position(recordId, probe);
      this.#words[bit >>> 5] |= 1 << (bit & 31);
    }
    this.#size++;
  }

  /** False: no record with this id was anchored up to `coveredTo`. True: it may have been. */
  mayHold(recordId: string): boolean {
    for (let probe = 0; probe < AnchoredRecordFilter.PROBES; probe++) {
      const bit = position(recordId, probe);
      if ((this.#words[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  /** The filter can answer for `blockNumber`: it holds every record anchored up to it. */
  covers(blockNumber: number): boolean {
    return this.coveredTo >= blockNumber;
  }
}

/** Bit position `probe` of a 0x-prefixed 32-byte hash: its 32-bit word `probe`, masked. */
function position(hash: string, probe: number): number {
  const start = 2 + probe * 8;
  const word = Number.parseInt(hash.slice(start, start + 8), 16);
  if (Number.isNaN(word) || hash.length !== 66) {
    throw new TypeError(`not a 32-byte hash: ${hash}`);
  }
  return word & (AnchoredRecordFilter.BITS - 1);
}
