import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { getAddress, keccak256, toBytes, toHex, type Address, type Hex } from "viem";

import { canonicalJson } from "../../../offchain/sdk/canonicalJson.js";
import { hashRecordStruct } from "../../../offchain/sdk/hashRecordStruct.js";
import { leafEncoding, leafHash, leafValues } from "../../../offchain/sdk/leafHash.js";
import type { SignedOperation } from "../../../offchain/sdk/types.js";
import { verifyMerkleProof } from "../../../offchain/sdk/verifyMerkleProof.js";
import { blockDocument } from "../../../offchain/representation/packing/Batcher.js";
import { DataBlockTree } from "../../../offchain/representation/packing/DataBlockTree.js";
import { checksumAddress, keccak256Bytes, keccak256Hex } from "../../../offchain/shared/keccak.js";
import {
  operationLeaf,
  recordDigest,
  recordStructHash,
} from "../../../offchain/representation/recordHashing.js";

// The gateway's fast hashing must give, byte for byte, what the SDK (viem) and OpenZeppelin's
// StandardMerkleTree give: the ledger checks roots and proofs built by either.

function word(seed: string): Hex {
  return keccak256(toBytes(seed));
}

function operation(i: number): SignedOperation {
  return {
    source: getAddress(word(`source-${i}`).slice(0, 42)) as Address,
    record: {
      dataHash: word(`data-${i}`),
      formatId: word(`format-${i % 3}`),
      metadataHash: word(`meta-${i}`),
      sampledAt: 1_700_000_000 + i,
      // Empty, ASCII and multi-byte URIs hash differently only if UTF-8 is right.
      uri: ["", `ipfs://block-${i}`, `https://example.org/ünïcødé/${i}`][i % 3],
    },
    deadline: 2 ** 48 - 1 - i,
    // 0, small, and the uint32 extremes.
    epoch: [0, 1, 2 ** 32 - 1, 0x01020304][i % 4],
    signature: `${word(`r-${i}`)}${word(`s-${i}`).slice(2)}${i % 2 ? "1b" : "1c"}` as Hex,
  };
}

describe("gateway fast hashing", () => {
  it("keccak256Hex and keccak256Bytes equal viem's keccak256 for every length around the rate", () => {
    for (const length of [0, 1, 31, 32, 33, 135, 136, 137, 272, 1000]) {
      const data = toBytes(word(`len-${length}`).repeat(40)).subarray(0, length);
      expect(keccak256Hex(data)).to.equal(keccak256(data));
      expect(toHex(keccak256Bytes(data))).to.equal(keccak256(data));
    }
  });

  it("checksumAddress spells addresses as viem's getAddress does", () => {
    for (let i = 0; i < 50; i++) {
      const lower = word(`addr-${i}`).slice(0, 42).toLowerCase();
      expect(checksumAddress(lower)).to.equal(getAddress(lower));
      expect(checksumAddress(lower.toUpperCase().replace("0X", "0x"))).to.equal(getAddress(lower));
      expect(checksumAddress(lower)).to.equal(getAddress(lower)); // remembered spelling
    }
  });

  it("recordStructHash and operationLeaf match the SDK's hashRecordStruct and leafHash", () => {
    for (let i = 0; i < 9; i++) {
      const op = operation(i);
      expect(toHex(recordStructHash(op.record, op.deadline, op.epoch)!)).to.equal(
        hashRecordStruct(op.record, op.deadline, op.epoch),
      );
      expect(toHex(operationLeaf(op))).to.equal(leafHash(op));
    }
  });

  it("the digest and the leaf of one operation object agree with the SDK whichever comes first", () => {
    const separator = toBytes(word("domain"));
    for (let i = 0; i < 6; i++) {
      const op = operation(i);
      const twin = operation(i);
      const digestFirst = recordDigest(separator, op)!;
      expect(toHex(operationLeaf(op))).to.equal(leafHash(op));
      expect(toHex(operationLeaf(twin))).to.equal(leafHash(twin));
      expect(toHex(recordDigest(separator, twin)!)).to.equal(toHex(digestFirst));
      expect(
        toHex(
          keccak256Bytes(
            new Uint8Array([
              0x19,
              0x01,
              ...separator,
              ...toBytes(hashRecordStruct(op.record, op.deadline, op.epoch)),
            ]),
          ),
        ),
      ).to.equal(toHex(digestFirst));
    }
    // Each epoch is its own digest and leaf.
    const epochs = [0, 1, 2 ** 32 - 1].map((epoch) => ({ ...operation(4), epoch }));
    expect(new Set(epochs.map((op) => toHex(recordDigest(separator, op)!))).size).to.equal(3);
    expect(new Set(epochs.map((op) => toHex(operationLeaf(op)))).size).to.equal(3);
    for (const op of epochs) expect(toHex(operationLeaf(op))).to.equal(leafHash(op));
    const bad = { ...operation(1), deadline: -1 };
    expect(recordDigest(separator, bad)).to.equal(undefined);
    expect(recordDigest(separator, bad)).to.equal(undefined);
    expect(() => operationLeaf(bad)).to.throw(TypeError);
  });

  it("recordStructHash refuses fields the ledger cannot encode", () => {
    const op = operation(1);
    expect(recordStructHash({ ...op.record, dataHash: "0x12" }, op.deadline, op.epoch)).to.equal(
      undefined,
    );
    expect(recordStructHash({ ...op.record, sampledAt: 2 ** 48 }, op.deadline, op.epoch)).to.equal(
      undefined,
    );
    expect(recordStructHash(op.record, -1, op.epoch)).to.equal(undefined);
    for (const epoch of [-1, 2 ** 32, 0.5, Number.NaN]) {
      expect(recordStructHash(op.record, op.deadline, epoch), String(epoch)).to.equal(undefined);
      expect(() => operationLeaf({ ...op, epoch })).to.throw(TypeError);
    }
    expect(() => operationLeaf({ ...op, signature: "0x1234" })).to.throw(TypeError);
    // The right length with a character that is not hex, anywhere, is refused too.
    const bad = (hex: string, at: number) => `${hex.slice(0, at)}g${hex.slice(at + 1)}` as Hex;
    for (const at of [2, 20, 65]) {
      expect(
        recordStructHash(
          { ...op.record, formatId: bad(op.record.formatId, at) },
          op.deadline,
          op.epoch,
        ),
      ).to.equal(undefined);
    }
    expect(
      recordStructHash(
        { ...op.record, dataHash: `${op.record.dataHash}00` as Hex },
        op.deadline,
        op.epoch,
      ),
    ).to.equal(undefined);
    expect(() => operationLeaf({ ...op, signature: bad(op.signature, 131) })).to.throw(TypeError);
    expect(() => operationLeaf({ ...op, source: bad(op.source, 41) as Address })).to.throw(
      TypeError,
    );
    // Upper-case hex is hex.
    const upper = {
      ...op.record,
      metadataHash: `0x${op.record.metadataHash.slice(2).toUpperCase()}` as Hex,
    };
    expect(toHex(recordStructHash(upper, op.deadline, op.epoch)!)).to.equal(
      toHex(recordStructHash(op.record, op.deadline, op.epoch)!),
    );
  });

  for (const size of [1, 2, 3, 5, 8, 13, 64, 257]) {
    it(`DataBlockTree of ${size} has StandardMerkleTree's root and proofs`, () => {
      const operations = Array.from({ length: size }, (_, i) => operation(i * 7 + size));
      const reference = StandardMerkleTree.of(
        operations.map((op) => [...leafValues(op)]),
        [...leafEncoding],
      );
      const tree = DataBlockTree.of(operations);
      expect(tree.root).to.equal(reference.root);
      for (let i = 0; i < size; i++) {
        expect(tree.proof(i)).to.deep.equal(reference.getProof(i));
        expect(verifyMerkleProof(tree.root, leafHash(operations[i]), tree.proof(i))).to.equal(true);
      }
    });
  }

  it("DataBlockTree refuses an empty block and an index outside it", () => {
    expect(() => DataBlockTree.of([])).to.throw(RangeError);
    expect(() => DataBlockTree.of([operation(1)]).proof(1)).to.throw(RangeError);
  });
});

describe("DataBlockTree stored nodes", () => {
  it("proofFromNodes gives, for the leaf at each position of `order`, that operation's proof", () => {
    const operations = Array.from({ length: 23 }, (_, i) => operation(i + 100));
    const tree = DataBlockTree.of(operations);
    const nodes = tree.nodes();
    expect(nodes.length).to.equal((2 * 23 - 1) * 32);
    expect(toHex(nodes.subarray(0, 32))).to.equal(tree.root);
    expect([...tree.order].sort((a, b) => a - b)).to.deep.equal([...Array(23).keys()]);
    tree.order.forEach((index, position) => {
      expect(DataBlockTree.proofFromNodes(nodes, position)).to.deep.equal(tree.proof(index));
    });
    expect(() => DataBlockTree.proofFromNodes(nodes, 23)).to.throw(RangeError);
    expect(() => DataBlockTree.proofFromNodes(nodes.subarray(32), 0)).to.throw(RangeError);
  });
});

describe("data block building that yields to the event loop", () => {
  it("DataBlockTree.build gives `of`'s tree and blockDocument gives canonical JSON and its hash", async () => {
    const operations = Array.from({ length: 600 }, (_, i) => operation(i + 7));
    const built = await DataBlockTree.build(operations, 64);
    for (const size of [1, 2, 3, 64, 65]) {
      const some = operations.slice(0, size);
      expect((await DataBlockTree.build(some, 2)).root, `${size}`).to.equal(
        DataBlockTree.of(some).root,
      );
    }
    const reference = DataBlockTree.of(operations);
    expect(built.root).to.equal(reference.root);
    expect(built.order).to.deep.equal(reference.order);
    expect(built.nodes().equals(reference.nodes())).to.equal(true);
    const document = await blockDocument(built.root, operations);
    expect(document.bytes.toString("utf8")).to.equal(
      canonicalJson({ root: built.root, operations }),
    );
    expect(document.hash).to.equal(keccak256(document.bytes));
    // URIs JSON must escape, and operations of another shape, still come out canonical.
    const odd = [
      'say "hi"',
      "back\\slash",
      "tab\tnew\nline\u0001",
      "\u2028 emoji 😀",
      "</script>",
    ].map((uri, i) => ({ ...operations[i], record: { ...operations[i].record, uri } }));
    const extra = { ...operations[9], note: "kept" } as SignedOperation;
    const mixed = [...odd, extra];
    expect((await blockDocument(built.root, mixed)).bytes.toString("utf8")).to.equal(
      canonicalJson({ root: built.root, operations: mixed }),
    );
    // Operations the accept path serialized already are used as they are.
    const given = mixed.map((op, i) => (i % 2 ? { json: canonicalJson(op) } : op));
    expect((await blockDocument(built.root, given)).bytes.toString("utf8")).to.equal(
      canonicalJson({ root: built.root, operations: mixed }),
    );
  });
});
