import { setImmediate } from "node:timers/promises";

import type { Hex } from "viem";

import type { SignedOperation } from "../../sdk/types.js";
import { keccak256Bytes } from "../../shared/keccak.js";
import { operationLeaf } from "../recordHashing.js";

/**
 * The Merkle tree of a data block, node for node the tree OpenZeppelin's
 * `StandardMerkleTree.of(operations.map(leafValues), leafEncoding)` builds (leaves sorted by hash,
 * complete binary tree in an array, sorted-pair keccak256), so roots and proofs are the ones the
 * ledger, the SDK and the indexer check. Built on bytes with the gateway's fast keccak: the
 * library's hex and ABI-encoder round trips were the batcher's largest cost.
 *
 * @example
 * const tree = DataBlockTree.of(operations);
 * const receiptProof = tree.proof(7); // proof of operations[7]
 */
export class DataBlockTree {
  readonly #nodes: Uint8Array[];
  /** Position in `#nodes` of the leaf of operations[i]. */
  readonly #treeIndex: Int32Array;

  /** Indices into the `operations` given to `of`, in leaf (sorted-hash) order. */
  readonly order: readonly number[];

  private constructor(nodes: Uint8Array[], treeIndex: Int32Array, order: number[]) {
    this.#nodes = nodes;
    this.#treeIndex = treeIndex;
    this.order = order;
  }

  static of(operations: readonly SignedOperation[]): DataBlockTree {
    const placed = DataBlockTree.#place(operations.map((operation) => operationLeaf(operation)));
    hashNodes(placed.nodes, placed.nodes.length - 1 - operations.length, 0);
    return new DataBlockTree(placed.nodes, placed.treeIndex, placed.order);
  }

  /**
   * `of`, handing the event loop back every `slice` leaves and every `slice` inner nodes: a
   * 4096-operation block is ~50 ms of hashing, which would otherwise stall every request the
   * gateway is serving.
   *
   * @example
   * const tree = await DataBlockTree.build(operations);
   */
  static async build(operations: readonly SignedOperation[], slice = 256): Promise<DataBlockTree> {
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < operations.length; i += slice) {
      if (i > 0) await setImmediate();
      for (const operation of operations.slice(i, i + slice)) hashes.push(operationLeaf(operation));
    }
    const { nodes, treeIndex, order } = DataBlockTree.#place(hashes);
    // Inner nodes from the last to the root: each needs only nodes after it.
    for (let last = nodes.length - 1 - hashes.length; last >= 0; last -= slice) {
      await setImmediate();
      hashNodes(nodes, last, Math.max(0, last - slice + 1));
    }
    return new DataBlockTree(nodes, treeIndex, order);
  }

  /** Leaves sorted by hash at the end of the node array, as StandardMerkleTree lays them out. */
  static #place(hashes: Uint8Array[]): {
    nodes: Uint8Array[];
    treeIndex: Int32Array;
    order: number[];
  } {
    const n = hashes.length;
    if (n === 0) throw new RangeError("A data block needs at least one operation");
    const leaves = hashes.map((hash, index) => ({ index, hash }));
    leaves.sort((a, b) => Buffer.compare(a.hash, b.hash));
    const nodes = new Array<Uint8Array>(2 * n - 1);
    const treeIndex = new Int32Array(n);
    for (const [position, leaf] of leaves.entries()) {
      nodes[nodes.length - 1 - position] = leaf.hash;
      treeIndex[leaf.index] = nodes.length - 1 - position;
    }
    return { nodes, treeIndex, order: leaves.map((leaf) => leaf.index) };
  }

  get root(): Hex {
    return toHex(this.#nodes[0]);
  }

  /** The sibling path of operations[index], leaf to root. */
  proof(index: number): Hex[] {
    const i = this.#treeIndex[index];
    if (i === undefined) throw new RangeError(`No operation ${index} in this block`);
    return siblingPath(i, (node) => this.#nodes[node]);
  }

  /** Every node, root first, 32 bytes each: what the outbox stores to answer proofs later. */
  nodes(): Buffer {
    return Buffer.concat(this.#nodes);
  }

  /**
   * The proof of the leaf at `position` in leaf order (`order`), from stored `nodes()`, without
   * rehashing anything.
   *
   * @example
   * const proof = DataBlockTree.proofFromNodes(row.nodes, row.leaf_index);
   */
  static proofFromNodes(nodes: Uint8Array, position: number): Hex[] {
    const count = nodes.length / 32;
    const leaves = (count + 1) / 2;
    if (!Number.isInteger(leaves) || !(position >= 0 && position < leaves)) {
      throw new RangeError(`No leaf ${position} in a tree of ${count} nodes`);
    }
    return siblingPath(count - 1 - position, (node) => nodes.subarray(node * 32, node * 32 + 32));
  }

  /**
   * The proof of the leaf with hash `leaf` (`operationLeaf` of a member operation), from stored
   * `nodes()`: leaves are stored sorted, so it is found by binary search.
   *
   * @example
   * const proof = DataBlockTree.proofOfLeaf(row.nodes, operationLeaf(operation));
   */
  static proofOfLeaf(nodes: Uint8Array, leaf: Uint8Array): Hex[] {
    const count = nodes.length / 32;
    const leaves = (count + 1) / 2;
    if (!Number.isInteger(leaves)) throw new RangeError(`${count} nodes make no tree`);
    // Leaf position p (ascending hash) is node count - 1 - p.
    const at = (p: number) => nodes.subarray((count - 1 - p) * 32, (count - p) * 32);
    let lo = 0;
    let hi = leaves - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const order = Buffer.compare(at(mid), leaf);
      if (order === 0) return DataBlockTree.proofFromNodes(nodes, mid);
      if (order < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    throw new RangeError("The leaf is not in this block");
  }
}

/** Siblings from tree node `i` up to the root (OpenZeppelin's array layout). */
function siblingPath(i: number, node: (index: number) => Uint8Array): Hex[] {
  const proof: Hex[] = [];
  while (i > 0) {
    proof.push(toHex(node(i % 2 === 1 ? i + 1 : i - 1)));
    i = Math.floor((i - 1) / 2);
  }
  return proof;
}

/** Inner nodes `from` down to `to` (sorted-pair keccak256 of their two children). */
function hashNodes(nodes: Uint8Array[], from: number, to: number): void {
  const pair = new Uint8Array(64);
  for (let i = from; i >= to; i--) {
    const left = nodes[2 * i + 1];
    const right = nodes[2 * i + 2];
    const leftFirst = Buffer.compare(left, right) <= 0;
    pair.set(leftFirst ? left : right, 0);
    pair.set(leftFirst ? right : left, 32);
    nodes[i] = keccak256Bytes(pair);
  }
}

function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}
