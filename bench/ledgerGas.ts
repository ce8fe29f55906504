import { DataBlockJudge__factory } from "../types/ethers-contracts/index.js";

import { buildDataBlock, type DataBlock } from "./buildDataBlock.js";
import type { LedgerFixture } from "./deployLedger.js";
import { medianGas, type SampleOptions } from "./medianGas.js";
import { DEADLINE, EPOCH, benchRecord } from "./payload.js";
import { RECORD_TYPES } from "./recordSigner.js";

/** Where a gateway publishes a block's operations: a CIDv1 directory, as long as a record URI. */
const BLOCK_URI = "ipfs://bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

/** Median transaction gas of each DataLedger submission path. */
export interface LedgerGas {
  direct: bigint;
  relayed: bigint;
  /** Data block size → median `submitDataBlock` transaction gas. */
  dataBlocks: Map<number, bigint>;
}

/** How much to measure. */
export interface LedgerGasOptions {
  /** Sampling of single-record transactions (direct, relayed). */
  records: SampleOptions;
  /** Sampling of data blocks, per size; every sample is a newly signed tree. */
  blocks: SampleOptions;
  blockSizes: number[];
}

/**
 * Measures the three ways a record reaches the DataLedger, each with fresh records.
 *
 * @example
 * const gas = await measureLedgerGas(fixture, {
 *   records: { warmup: 1, samples: 5 },
 *   blocks: { warmup: 1, samples: 3 },
 *   blockSizes: [1, 1024],
 * });
 */
export async function measureLedgerGas(
  fixture: LedgerFixture,
  { records: recordSampling, blocks: blockSampling, blockSizes }: LedgerGasOptions,
): Promise<LedgerGas> {
  const { ledger, source, relayer, gateway, formatId, domain } = fixture;
  await checkRecordSigning(fixture);

  const direct = await medianGas(recordSampling, (i) =>
    ledger.connect(source).submitRecord(benchRecord(formatId, "direct", i)),
  );

  const relayed = await medianGas(recordSampling, async (i) => {
    const record = benchRecord(formatId, "relayed", i);
    const signature = await source.signTypedData(domain, RECORD_TYPES, {
      ...record,
      deadline: DEADLINE,
      epoch: EPOCH,
    });
    return ledger.connect(relayer).submitRecordBySig(source.address, record, DEADLINE, signature);
  });

  const dataBlocks = new Map<number, bigint>();
  let previous: DataBlock | undefined;
  for (const size of blockSizes) {
    const blocks: DataBlock[] = [];
    const gas = await medianGas(blockSampling, (i) => {
      const records = Array.from({ length: size }, (_, k) =>
        benchRecord(formatId, `block${size}.${i}`, k),
      );
      const block = buildDataBlock(fixture.recordSigner, gateway.address, records, DEADLINE, EPOCH);
      blocks.push(block);
      const { root, count, firstSampledAt, lastSampledAt } = block;
      return ledger
        .connect(gateway)
        .submitDataBlock(root, count, firstSampledAt, lastSampledAt, BLOCK_URI);
    });
    const last = blocks[blocks.length - 1];
    await checkInclusion(fixture, last, previous);
    previous = last;
    dataBlocks.set(size, gas);
  }
  return { direct, relayed, dataBlocks };
}

/** The off-chain signer must agree with `hashRecord` and with ethers' own `signTypedData`. */
async function checkRecordSigning({
  ledger,
  source,
  domain,
  formatId,
  recordSigner,
}: LedgerFixture): Promise<void> {
  const record = benchRecord(formatId, "check", 0);
  const signed = recordSigner.sign(record, DEADLINE, EPOCH);
  const onChain = await ledger.hashRecord(record, DEADLINE, EPOCH);
  if (signed.digest !== onChain)
    throw new Error(`record digest ${signed.digest} != hashRecord ${onChain}`);
  const viaEthers = await source.signTypedData(domain, RECORD_TYPES, {
    ...record,
    deadline: DEADLINE,
    epoch: EPOCH,
  });
  if (signed.signature !== viaEthers)
    throw new Error("raw-key signature differs from signTypedData");
}

/**
 * Shows the anchored root is a real tree: off-chain leaves equal the judge's `leafHash`, the
 * block is keyed by `dataBlockIdOf(gateway, root)`, its operations' proofs pass the judge's
 * `verifyInclusion` at their index, and a leaf of another block does not.
 */
async function checkInclusion(
  { ledger, gateway }: LedgerFixture,
  block: DataBlock,
  other?: DataBlock,
): Promise<void> {
  const judge = DataBlockJudge__factory.connect(await ledger.dataBlockJudge(), ledger.runner);
  const blockId = await judge.dataBlockIdOf(gateway.address, block.root);
  if (blockId !== block.blockId) throw new Error(`block id ${block.blockId} != ${blockId}`);
  if (Number((await ledger.getDataBlock(blockId)).count) !== block.count) {
    throw new Error(`block ${blockId} not anchored with count ${block.count}`);
  }
  for (const index of new Set([0, block.count >> 1, block.count - 1])) {
    const operation = block.operations[index];
    const leaf = await judge.leafHash(gateway.address, operation);
    if (leaf !== block.leaf(index))
      throw new Error(`leaf ${index}: ${block.leaf(index)} != leafHash ${leaf}`);
    if (!(await judge.verifyInclusion(blockId, operation, index, block.proof(index)))) {
      throw new Error(`leaf ${index} of block ${blockId} not verified`);
    }
  }
  if (
    other !== undefined &&
    (await judge.verifyInclusion(blockId, other.operations[0], 0, block.proof(0)))
  ) {
    throw new Error(`foreign leaf verified in block ${blockId}`);
  }
}
