import { expect } from "chai";
import { getAddress, keccak256, toBytes, toHex, type Address, type Hex } from "viem";

import { canonicalJson } from "../../../offchain/sdk/canonicalJson.js";
import { hashRecordStruct } from "../../../offchain/sdk/hashRecordStruct.js";
import { buildDataBlockTree } from "../../../offchain/sdk/buildDataBlockTree.js";
import { leafHash } from "../../../offchain/sdk/leafHash.js";
import type { SignedOperation } from "../../../offchain/sdk/wire.js";
import { verifyDataBlockProof } from "../../../offchain/sdk/verifyDataBlockProof.js";
import { blockDocument } from "../../../offchain/representation/packing/Batcher.js";
import { DataBlockTree } from "../../../offchain/representation/packing/DataBlockTree.js";
import { checksumAddress, keccak256Bytes, keccak256Hex } from "../../../offchain/shared/keccak.js";
import {
  operationLeaf,
  recordDigest,
  recordStructHash,
} from "../../../offchain/representation/recordHashing.js";

// The gateway's fast hashing must give, byte for byte, what the SDK (viem) gives: the ledger
// checks roots and proofs built by either (test/offchain/sdk/ledgerParity holds the SDK to the
// contract).

/** The gateway whose blocks these are: its address is in every leaf. */
const GATEWAY = getAddress(word("gateway").slice(0, 42)) as Address;

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
      expect(toHex(operationLeaf(GATEWAY, op))).to.equal(leafHash(GATEWAY, op));
    }
  });

  it("the digest and the leaf of one operation object agree with the SDK whichever comes first", () => {
    const separator = toBytes(word("domain"));
    for (let i = 0; i < 6; i++) {
      const op = operation(i);
      const twin = operation(i);
      const digestFirst = recordDigest(separator, op)!;
      expect(toHex(operationLeaf(GATEWAY, op))).to.equal(leafHash(GATEWAY, op));
      expect(toHex(operationLeaf(GATEWAY, twin))).to.equal(leafHash(GATEWAY, twin));
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
    expect(new Set(epochs.map((op) => toHex(operationLeaf(GATEWAY, op)))).size).to.equal(3);
    for (const op of epochs)
      expect(toHex(operationLeaf(GATEWAY, op))).to.equal(leafHash(GATEWAY, op));
    const bad = { ...operation(1), deadline: -1 };
    expect(recordDigest(separator, bad)).to.equal(undefined);
    expect(recordDigest(separator, bad)).to.equal(undefined);
    expect(() => operationLeaf(GATEWAY, bad)).to.throw(TypeError);
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
      expect(() => operationLeaf(GATEWAY, { ...op, epoch })).to.throw(TypeError);
    }
    expect(() => operationLeaf(GATEWAY, { ...op, signature: "0x1234" })).to.throw(TypeError);
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
    expect(() => operationLeaf(GATEWAY, { ...op, signature: bad(op.signature, 131) })).to.throw(
      TypeError,
    );
    expect(() => operationLeaf(GATEWAY, { ...op, source: bad(op.source, 41) as Address })).to.throw(
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

  it("operationLeaf binds the gateway, and refuses one that cannot be encoded", () => {
    const op = operation(3);
    const other = getAddress(word("rival").slice(0, 42)) as Address;
    expect(toHex(operationLeaf(other, op))).to.equal(leafHash(other, op));
    expect(toHex(operationLeaf(other, op))).to.not.equal(toHex(operationLeaf(GATEWAY, op)));
    for (const bad of ["0x12", `${GATEWAY}00`, `0x${"g".repeat(40)}`]) {
      expect(() => operationLeaf(bad as Address, op), bad).to.throw(TypeError);
    }
  });

  for (const size of [1, 2, 3, 5, 8, 13, 64, 257]) {
    it(`DataBlockTree of ${size} has the SDK's positional root, block id and proofs`, () => {
      const operations = Array.from({ length: size }, (_, i) => operation(i * 7 + size));
      const reference = buildDataBlockTree(GATEWAY, operations);
      const tree = DataBlockTree.of(GATEWAY, operations);
      expect(tree.root).to.equal(reference.root);
      expect(tree.blockId).to.equal(reference.blockId);
      expect(tree.count).to.equal(size);
      expect(tree.depth).to.equal(reference.depth);
      for (let i = 0; i < size; i++) {
        expect(tree.proof(i)).to.deep.equal(reference.proof(i));
        const leaf = leafHash(GATEWAY, operations[i]);
        const proof = tree.proof(i);
        expect(
          verifyDataBlockProof({
            blockId: tree.blockId,
            gateway: GATEWAY,
            leaf,
            leafIndex: i,
            proof,
            count: size,
          }),
        ).to.equal(true);
      }
    });
  }

  it("DataBlockTree refuses an empty block and a slot outside the tree", () => {
    expect(() => DataBlockTree.of(GATEWAY, [])).to.throw(RangeError);
    expect(() => DataBlockTree.of(GATEWAY, [operation(1)]).proof(1)).to.throw(RangeError);
    // Three operations: depth 2, so slot 3 (padding) has a proof and slot 4 does not.
    const three = DataBlockTree.of(GATEWAY, [operation(1), operation(2), operation(3)]);
    expect(three.proof(3)).to.have.length(2);
    expect(() => three.proof(4)).to.throw(RangeError);
  });
});

describe("DataBlockTree stored nodes", () => {
  it("proofFromNodes gives each slot's proof and indexOfLeaf each operation's position", () => {
    const operations = Array.from({ length: 23 }, (_, i) => operation(i + 100));
    const tree = DataBlockTree.of(GATEWAY, operations);
    const nodes = tree.nodes();
    // Levels of 23, 12, 6, 3, 2, 1 nodes: padding subtrees are not stored.
    expect(nodes.length).to.equal((23 + 12 + 6 + 3 + 2 + 1) * 32);
    expect(toHex(nodes.subarray(nodes.length - 32))).to.equal(tree.root);
    for (let i = 0; i < 32; i++) {
      expect(DataBlockTree.proofFromNodes(nodes, 23, i), `${i}`).to.deep.equal(tree.proof(i));
    }
    operations.forEach((op, i) => {
      expect(DataBlockTree.indexOfLeaf(nodes, 23, operationLeaf(GATEWAY, op))).to.equal(i);
    });
    expect(DataBlockTree.indexOfLeaf(nodes, 23, operationLeaf(GATEWAY, operation(5)))).to.equal(-1);
    expect(() => DataBlockTree.proofFromNodes(nodes, 23, 32)).to.throw(RangeError);
    expect(() => DataBlockTree.proofFromNodes(nodes.subarray(32), 23, 0)).to.throw(RangeError);
    expect(() => DataBlockTree.proofFromNodes(nodes, 22, 0)).to.throw(RangeError);
  });
});

describe("data block building that yields to the event loop", () => {
  it("DataBlockTree.build gives `of`'s tree and blockDocument gives canonical JSON and its hash", async () => {
    const operations = Array.from({ length: 600 }, (_, i) => operation(i + 7));
    const built = await DataBlockTree.build(GATEWAY, operations, 64);
    for (const size of [1, 2, 3, 64, 65]) {
      const some = operations.slice(0, size);
      expect((await DataBlockTree.build(GATEWAY, some, 2)).root, `${size}`).to.equal(
        DataBlockTree.of(GATEWAY, some).root,
      );
    }
    const reference = DataBlockTree.of(GATEWAY, operations);
    expect(built.root).to.equal(reference.root);
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
