import { setImmediate } from "node:timers/promises";

import type { Address, Hex } from "viem";

import type { SignedOperation } from "../../sdk/wire.js";
import { keccak256Bytes } from "../../shared/keccak.js";
import { operationLeaf } from "../recordHashing.js";

/** A uint32 count makes at most 32 levels above the leaves. */
const MAX_DEPTH = 32;

/** ZERO_SUBTREES[k]: the root of a subtree of height k whose every slot is bytes32(0). */
const ZERO_SUBTREES: Uint8Array[] = [new Uint8Array(32)];
for (let k = 0; k < MAX_DEPTH; k++) {
  ZERO_SUBTREES.push(hashPair(ZERO_SUBTREES[k], ZERO_SUBTREES[k], new Uint8Array(64)));
}

/**
 * The positional Merkle tree of one gateway's data block (data block protocol v3, rule C), node
 * for node the SDK's `buildDataBlockTree(gateway, operations)`: operation i is leaf i,
 * `leafHash(gateway, operation)`, slots count .. 2^depth - 1 hold zero (their subtrees' hashes
 * are precomputed, so padding costs nothing), inner nodes are keccak256(left ‖ right). Built on
 * bytes with the gateway's fast keccak: viem's hex and ABI-encoder round trips were the
 * batcher's largest cost.
 *
 * The stored form (`nodes()`) is the levels one after the other, leaves first, each only as long
 * as it has a node that is not a zero subtree: about 2 × count nodes, read back by
 * `proofFromNodes` without rehashing.
 *
 * @example
 * const tree = DataBlockTree.of(gatewayAddress, operations);
 * const receiptProof = tree.proof(7); // proof of operations[7], leafIndex 7
 */
export class DataBlockTree {
  /** levels[k][i]: node i of level k (0: leaves), only the nodes that are not zero subtrees. */
  readonly #levels: Uint8Array[][];
  readonly #gateway: Address;

  private constructor(gateway: Address, levels: Uint8Array[][]) {
    this.#gateway = gateway;
    this.#levels = levels;
  }

  /**
   * @throws {RangeError} for an empty block.
   * @throws {TypeError} when an operation or the gateway address cannot be encoded.
   */
  static of(gateway: Address, operations: readonly SignedOperation[]): DataBlockTree {
    const levels = [operations.map((operation) => operationLeaf(gateway, operation))];
    for (let k = 0; k < depthOf(levels[0].length); k++) levels.push(hashLevel(levels[k], k, 0));
    return new DataBlockTree(gateway, levels);
  }

  /**
   * `of`, handing the event loop back every `slice` leaves and every `slice` inner nodes: a
   * 4096-operation block is ~50 ms of hashing, which would otherwise stall every request the
   * gateway is serving.
   *
   * @example
   * const tree = await DataBlockTree.build(gatewayAddress, operations);
   */
  static async build(
    gateway: Address,
    operations: readonly SignedOperation[],
    slice = 256,
  ): Promise<DataBlockTree> {
    const leaves: Uint8Array[] = [];
    for (let i = 0; i < operations.length; i += slice) {
      if (i > 0) await setImmediate();
      for (const operation of operations.slice(i, i + slice)) {
        leaves.push(operationLeaf(gateway, operation));
      }
    }
    const levels = [leaves];
    const depth = depthOf(leaves.length);
    for (let k = 0; k < depth; k++) {
      const level: Uint8Array[] = [];
      // Each level in slices of `slice` parents; a slice needs only the level below.
      for (let from = 0; from < Math.ceil(levels[k].length / 2); from += slice) {
        await setImmediate();
        level.push(...hashLevel(levels[k], k, from, from + slice));
      }
      levels.push(level);
    }
    return new DataBlockTree(gateway, levels);
  }

  get count(): number {
    return this.#levels[0].length;
  }

  get depth(): number {
    return this.#levels.length - 1;
  }

  get root(): Hex {
    return toHex(this.#levels[this.depth][0]);
  }

  /** The ledger's key of the block once anchored: `dataBlockId(gateway, root)`. */
  get blockId(): Hex {
    return blockIdOf(this.#gateway, this.#levels[this.depth][0]);
  }

  /** The siblings of slot `index` (padding slots included), leaf to root: `depth` of them. */
  proof(index: number): Hex[] {
    return siblingPath(
      this.#levels.map((level) => (i: number) => level[i]),
      index,
    );
  }

  /** Every stored node, level by level from the leaves, 32 bytes each. */
  nodes(): Buffer {
    return Buffer.concat(this.#levels.flat());
  }

  /**
   * The proof of slot `index` of a block of `count` operations from its stored `nodes()`,
   * without rehashing anything.
   *
   * @example
   * const proof = DataBlockTree.proofFromNodes(row.nodes, row.count, leafIndex);
   */
  static proofFromNodes(nodes: Uint8Array, count: number, index: number): Hex[] {
    return siblingPath(storedLevels(nodes, count), index);
  }

  /**
   * The position of the leaf `leaf` (an `operationLeaf`) among the stored `nodes()` of a block
   * of `count` operations, or -1.
   *
   * @example
   * const leafIndex = DataBlockTree.indexOfLeaf(row.nodes, row.count, operationLeaf(gateway, op));
   */
  static indexOfLeaf(nodes: Uint8Array, count: number, leaf: Uint8Array): number {
    const [leaves] = storedLevels(nodes, count);
    for (let i = 0; i < count; i++) if (Buffer.compare(leaves(i)!, leaf) === 0) return i;
    return -1;
  }
}

/** ceil(log2(count)), 0 for one operation. */
function depthOf(count: number): number {
  if (!Number.isSafeInteger(count) || count < 1 || count > 2 ** MAX_DEPTH) {
    throw new RangeError(`A data block needs 1 to 2^32 operations, not ${count}`);
  }
  let depth = 0;
  while (2 ** depth < count) depth++;
  return depth;
}

/** Parents `from` .. `to` - 1 of level `k` + 1 (those that are not zero subtrees). */
function hashLevel(below: Uint8Array[], k: number, from: number, to = Infinity): Uint8Array[] {
  const pair = new Uint8Array(64);
  const level: Uint8Array[] = [];
  const end = Math.min(to, Math.ceil(below.length / 2));
  for (let i = from; i < end; i++) {
    level.push(hashPair(below[2 * i], below[2 * i + 1] ?? ZERO_SUBTREES[k], pair));
  }
  return level;
}

function hashPair(left: Uint8Array, right: Uint8Array, scratch: Uint8Array): Uint8Array {
  scratch.set(left, 0);
  scratch.set(right, 32);
  return keccak256Bytes(scratch);
}

/** Readers of the stored levels of a block of `count` operations. */
function storedLevels(nodes: Uint8Array, count: number): ((i: number) => Uint8Array | undefined)[] {
  const depth = depthOf(count);
  const levels: ((i: number) => Uint8Array | undefined)[] = [];
  let offset = 0;
  for (let k = 0, width = count; k <= depth; k++, width = Math.ceil(width / 2)) {
    const start = offset;
    levels.push((i) =>
      i < width ? nodes.subarray((start + i) * 32, (start + i + 1) * 32) : undefined,
    );
    offset += width;
  }
  if (nodes.length !== offset * 32) {
    throw new RangeError(`${nodes.length / 32} nodes are not the tree of ${count} operations`);
  }
  return levels;
}

/** Siblings of slot `index` from the leaves up (a missing node is a zero subtree). */
function siblingPath(levels: ((i: number) => Uint8Array | undefined)[], index: number): Hex[] {
  const depth = levels.length - 1;
  if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** depth) {
    throw new RangeError(`No slot ${index} in a tree of depth ${depth}`);
  }
  const proof: Hex[] = [];
  for (let k = 0, i = index; k < depth; k++, i = Math.floor(i / 2)) {
    proof.push(toHex(levels[k](i ^ 1) ?? ZERO_SUBTREES[k]));
  }
  return proof;
}

const BLOCK_ID = Buffer.alloc(64);

/** keccak256(abi.encode(gateway, root)): the SDK's `dataBlockId` with the fast keccak. */
function blockIdOf(gateway: Address, root: Uint8Array): Hex {
  BLOCK_ID.write(gateway.slice(2), 12, 20, "hex");
  BLOCK_ID.set(root, 32);
  return toHex(keccak256Bytes(BLOCK_ID));
}

function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}
