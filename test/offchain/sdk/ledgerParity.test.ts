import { expect } from "chai";
import hre, { network } from "hardhat";
import { getAddress, keccak256, toHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { DataBlockTree } from "../../../offchain/representation/packing/DataBlockTree.js";
import {
  leafHash as ethersLeafHash,
  ledgerDomain as ethersLedgerDomain,
  recordDigest as ethersRecordDigest,
  recordStructHash as ethersRecordStructHash,
} from "../../../offchain/chain/recordTyping.js";
import {
  operationLeaf,
  operationRecordId,
  recordStructHash as fastStructHash,
} from "../../../offchain/representation/recordHashing.js";
import {
  buildDataBlockTree,
  createRecord,
  dataBlockDepth,
  dataBlockId,
  dataBlockNode,
  dataBlockProofRoot,
  dataBlockTreeOfLeaves,
  hashRecord,
  hashRecordStruct,
  leafHash,
  judgeAbi,
  ledgerAbi,
  ledgerDomain,
  recordId,
  signRecord,
  verifyDataBlockProof,
  type SignedOperation,
} from "../../../offchain/sdk/index.js";
import { ADMIN_DELAY } from "../../fixtures/deployLedger.js";

const { ethers } = await network.create();

const FORMAT_ID = `0x${"cd".repeat(32)}` as Hex;
/** Gateway addresses at the edges of the encoding and in between. */
const GATEWAYS: Hex[] = [
  `0x${"00".repeat(20)}`,
  getAddress(`0x${"ff".repeat(20)}`),
  "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
];

type AbiNode = { name?: string; type: string; components?: AbiNode[]; [key: string]: unknown };

/** Drops what the SDK fragment leaves out (internalType) so the shapes compare. */
function shape(node: AbiNode): AbiNode {
  const { name, type, components } = node;
  return {
    name: name ?? "",
    type,
    ...(components ? { components: components.map(shape) } : {}),
  };
}

/** `0x` followed by the upper-case digits. */
function upper(hex: Hex): Hex {
  return `0x${hex.slice(2).toUpperCase()}`;
}

describe("offchain/sdk: parity with the compiled ledger", () => {
  for (const [name, abi] of [
    ["DataLedger", ledgerAbi],
    ["DataBlockJudge", judgeAbi],
  ] as const)
    it(`the SDK's ABI fragments match the compiled ${name} ABI`, async () => {
      await expectFragmentsCompiled(name, abi);
    });

  async function expectFragmentsCompiled(
    name: "DataLedger" | "DataBlockJudge",
    abi: readonly { name: string; stateMutability: string; inputs: unknown; outputs: unknown }[],
  ) {
    const artifact = await hre.artifacts.readArtifact(name);
    for (const fragment of abi) {
      const compiled = (artifact.abi as AbiNode[]).find(
        (entry) => entry.type === "function" && entry.name === fragment.name,
      );
      expect(compiled, fragment.name).to.not.equal(undefined);
      expect(compiled!.stateMutability).to.equal(fragment.stateMutability);
      expect((compiled!.inputs as AbiNode[]).map(shape)).to.deep.equal(
        (fragment.inputs as readonly AbiNode[]).map(shape),
      );
      expect((compiled!.outputs as AbiNode[]).map(shape)).to.deep.equal(
        (fragment.outputs as readonly AbiNode[]).map(shape),
      );
    }
  }

  it("record digests and data block leaves equal the contract's hashRecord and leafHash", async () => {
    const [admin] = await ethers.getSigners();
    const ledger = await ethers.deployContract("DataLedger", [admin.address, ADMIN_DELAY]);
    const judge = await ethers.getContractAt("DataBlockJudge", await ledger.dataBlockJudge());
    const chainId = (await ethers.provider.getNetwork()).chainId;
    const domain = ledgerDomain(chainId, (await ledger.getAddress()) as Hex);
    const account = privateKeyToAccount(generatePrivateKey());

    const cases = [
      createRecord({ payload: { a: 1 }, formatId: FORMAT_ID, sampledAt: 1_760_000_000 }).record,
      createRecord({
        payload: { reading: [1, 2, 3] },
        formatId: FORMAT_ID,
        metadata: { unit: "°C" },
        sampledAt: 0,
        uri: "ipfs://bafy…ü",
      }).record,
      createRecord({
        payload: "x",
        formatId: FORMAT_ID,
        sampledAt: 2 ** 48 - 1,
        uri: "https://example.org/" + "p".repeat(200),
      }).record,
    ];
    const epochs = [0, 1, 2 ** 32 - 1];
    for (const [i, record] of cases.entries()) {
      const deadline = [1_900_000_000, 0, 2 ** 48 - 1][i];
      const digests = new Set<Hex>();
      for (const epoch of epochs) {
        const digest = hashRecord({ domain, record, deadline, epoch });
        expect(digest, `epoch ${epoch}`).to.equal(await ledger.hashRecord(record, deadline, epoch));
        digests.add(digest);
        const operation = await signRecord({ account, domain, record, deadline, epoch });
        expect(operation.epoch).to.equal(epoch);
        // The leaf binds the gateway: each gateway hashes the same operation to its own leaf,
        // and the SDK, the gateway's fast path and the ethers mirror agree with the judge.
        const leaves = new Set<Hex>();
        for (const gateway of GATEWAYS) {
          const leaf = leafHash(gateway, operation);
          expect(leaf, `epoch ${epoch}`).to.equal(await judge.leafHash(gateway, operation));
          expect(toHex(operationLeaf(gateway, operation))).to.equal(leaf);
          expect(ethersLeafHash(gateway, operation)).to.equal(leaf);
          leaves.add(leaf);
        }
        expect(leaves.size, "one leaf per gateway").to.equal(GATEWAYS.length);
        expect(hashRecordStruct(record, deadline, epoch)).to.equal(
          ethersRecordStructHash(record, deadline, epoch),
        );
        expect(toHex(fastStructHash(record, deadline, epoch)!)).to.equal(
          hashRecordStruct(record, deadline, epoch),
        );
        expect(digest).to.equal(
          ethersRecordDigest(
            ethersLedgerDomain(chainId, domain.verifyingContract),
            record,
            deadline,
            epoch,
          ),
        );
      }
      expect(digests.size, "each epoch signs another digest").to.equal(epochs.length);
    }
  });

  it("signRecord refuses an epoch outside uint32, or none", async () => {
    const domain = ledgerDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    const account = privateKeyToAccount(generatePrivateKey());
    const { record } = createRecord({ payload: 1, formatId: FORMAT_ID, sampledAt: 1 });
    for (const epoch of [-1, 2 ** 32, 1.5, undefined, "0"]) {
      let error: unknown;
      try {
        await signRecord({ account, domain, record, deadline: 10, epoch: epoch as number });
      } catch (caught) {
        error = caught;
      }
      expect((error as { code?: string })?.code, String(epoch)).to.equal("SDK_INVALID_ARGUMENT");
    }
  });

  it("record ids equal the contract's recordIdOf, in the SDK and on the gateway's fast path", async () => {
    const [admin] = await ethers.getSigners();
    const ledger = await ethers.deployContract("DataLedger", [admin.address, ADMIN_DELAY]);
    const random = (bytes: number) => toHex(crypto.getRandomValues(new Uint8Array(bytes)));
    const randomTime = () => Math.floor(Math.random() * 2 ** 48);
    const cases: { source: Hex; dataHash: Hex; sampledAt: number }[] = [
      { source: `0x${"00".repeat(20)}`, dataHash: `0x${"00".repeat(32)}`, sampledAt: 0 },
      { source: `0x${"ff".repeat(20)}`, dataHash: `0x${"ff".repeat(32)}`, sampledAt: 2 ** 48 - 1 },
      { source: random(20), dataHash: random(32), sampledAt: 0 },
      { source: random(20), dataHash: random(32), sampledAt: 2 ** 48 - 1 },
      { source: random(20), dataHash: random(32), sampledAt: 1 },
      { source: random(20), dataHash: random(32), sampledAt: 2 ** 32 },
      ...Array.from({ length: 10 }, () => ({
        source: random(20),
        dataHash: random(32),
        sampledAt: randomTime(),
      })),
    ];
    for (const { source, dataHash, sampledAt } of cases) {
      const onChain = await ledger.recordIdOf(source, dataHash, sampledAt);
      const record = { dataHash, sampledAt };
      expect(recordId(source, record), `${source} ${dataHash} ${sampledAt}`).to.equal(onChain);
      // Any spelling of the key and hash names the same record.
      expect(recordId(getAddress(source), { ...record, dataHash: upper(dataHash) })).to.equal(
        onChain,
      );
      expect(operationRecordId({ source, record })).to.equal(onChain);
    }
    // Each input is part of the id.
    const base = cases[4];
    const id = recordId(base.source, base);
    expect(recordId(cases[5].source, base)).to.not.equal(id);
    expect(recordId(base.source, { ...base, dataHash: cases[5].dataHash })).to.not.equal(id);
    expect(recordId(base.source, { ...base, sampledAt: base.sampledAt + 1 })).to.not.equal(id);
    // What the contract could not take is refused, not silently encoded.
    for (const sampledAt of [-1, 2 ** 48, 1.5]) {
      expect(() => recordId(base.source, { ...base, sampledAt })).to.throw(TypeError);
    }
    expect(() => recordId("0x12", base)).to.throw(TypeError);
    expect(() => recordId(base.source, { ...base, dataHash: "0x12" })).to.throw(TypeError);
  });

  it("block ids equal the judge's dataBlockIdOf, in the SDK and in the gateway's tree", async () => {
    const [admin] = await ethers.getSigners();
    const ledger = await ethers.deployContract("DataLedger", [admin.address, ADMIN_DELAY]);
    const judge = await ethers.getContractAt("DataBlockJudge", await ledger.dataBlockJudge());
    const random = (bytes: number) => toHex(crypto.getRandomValues(new Uint8Array(bytes)));
    const roots: Hex[] = [`0x${"00".repeat(32)}`, `0x${"ff".repeat(32)}`, random(32), random(32)];
    const ids = new Set<Hex>();
    for (const gateway of GATEWAYS) {
      for (const root of roots) {
        const id = dataBlockId(gateway, root);
        expect(id, `${gateway} ${root}`).to.equal(await judge.dataBlockIdOf(gateway, root));
        ids.add(id);
      }
    }
    expect(ids.size, "one id per (gateway, root)").to.equal(GATEWAYS.length * roots.length);
    const operations = await signedOperations(5);
    for (const gateway of GATEWAYS) {
      const tree = DataBlockTree.of(gateway, operations);
      expect(tree.blockId).to.equal(dataBlockId(gateway, tree.root));
    }
  });

  it("the gateway's fast tree is the SDK's, node for node, stored or not", async () => {
    const all = await signedOperations(33);
    for (const size of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33]) {
      const operations = all.slice(0, size);
      for (const gateway of GATEWAYS.slice(1)) {
        const reference = buildDataBlockTree(gateway, operations);
        const fast = DataBlockTree.of(gateway, operations);
        const built = await DataBlockTree.build(gateway, operations, 3);
        expect(fast.root, `${size}`).to.equal(reference.root);
        expect(built.root, `${size} built`).to.equal(reference.root);
        expect(fast.depth).to.equal(dataBlockDepth(size));
        const nodes = fast.nodes();
        expect(built.nodes().equals(nodes)).to.equal(true);
        // Every slot's proof, padding slots included.
        for (let i = 0; i < 2 ** reference.depth; i++) {
          expect(fast.proof(i), `${size}/${i}`).to.deep.equal(reference.proof(i));
          expect(DataBlockTree.proofFromNodes(nodes, size, i)).to.deep.equal(reference.proof(i));
        }
        expect(() => fast.proof(2 ** reference.depth)).to.throw(RangeError);
      }
    }
  });

  it("every root and proof is the one the judge's verifyInclusion accepts, and no other", async function () {
    this.timeout(120_000);
    const [admin, operator, gateway, rival] = await ethers.getSigners();
    const ledger = await ethers.deployContract("DataLedger", [admin.address, ADMIN_DELAY]);
    const judge = await ethers.getContractAt("DataBlockJudge", await ledger.dataBlockJudge());
    await ledger.grantRole(await ledger.OPERATOR_ROLE(), operator);
    for (const account of [gateway, rival]) {
      await ledger.connect(operator).grantRole(await ledger.GATEWAY_ROLE(), account);
    }
    const domain = ledgerDomain(
      (await ethers.provider.getNetwork()).chainId,
      (await ledger.getAddress()) as Hex,
    );
    const all = await signedOperations(9, domain);
    const gatewayAddress = getAddress(gateway.address);
    for (const size of [1, 2, 3, 5, 8, 9]) {
      const operations = all.slice(0, size);
      const fast = DataBlockTree.of(gatewayAddress, operations);
      await (
        await ledger.connect(gateway).submitDataBlock(fast.root, size, 0, 2 ** 48 - 1, "ipfs://p")
      ).wait();
      const blockId = fast.blockId;
      expect((await ledger.getDataBlock(blockId)).count).to.equal(BigInt(size));
      for (const [i, op] of operations.entries()) {
        expect(await judge.verifyInclusion(blockId, op, i, fast.proof(i)), `${size}/${i}`).to.equal(
          true,
        );
        // Positions are bound: the same operation at another index does not verify.
        if (size > 1) {
          const other = (i + 1) % size;
          expect(await judge.verifyInclusion(blockId, op, other, fast.proof(i))).to.equal(false);
          expect(await judge.verifyInclusion(blockId, op, other, fast.proof(other))).to.equal(
            false,
          );
        }
      }
      // The same root anchored by a rival is another block, and nothing verifies in it.
      await (
        await ledger.connect(rival).submitDataBlock(fast.root, size, 0, 2 ** 48 - 1, "ipfs://c")
      ).wait();
      const copy = dataBlockId(getAddress(rival.address), fast.root);
      expect(copy).to.not.equal(blockId);
      expect(await judge.verifyInclusion(copy, operations[0], 0, fast.proof(0))).to.equal(false);
    }
  });

  it("positional proofs verify only at their index, with the block's depth and gateway", async () => {
    const operations = await signedOperations(5);
    const gateway = GATEWAYS[2];
    const tree = buildDataBlockTree(gateway, operations);
    expect(tree.depth).to.equal(3);
    const check = (leaf: Hex, leafIndex: number, proof: Hex[], overrides = {}) =>
      verifyDataBlockProof({
        blockId: tree.blockId,
        gateway,
        leaf,
        leafIndex,
        proof,
        count: 5,
        ...overrides,
      });
    for (const [i] of operations.entries()) {
      expect(check(tree.leaves[i], i, tree.proof(i)), `${i}`).to.equal(true);
      expect(check(tree.leaves[i], (i + 1) % 5, tree.proof(i))).to.equal(false);
      expect(check(tree.leaves[(i + 1) % 5], i, tree.proof(i))).to.equal(false);
    }
    const zero: Hex = `0x${"00".repeat(32)}`;
    // A padding slot is zero at its position, but no operation of the count is there.
    expect(dataBlockProofRoot(zero, 5, tree.proof(5))).to.equal(tree.root);
    expect(check(zero, 5, tree.proof(5))).to.equal(false);
    expect(check(zero, 5, tree.proof(5), { count: undefined })).to.equal(true);
    // Another gateway, a wrong length, a tampered sibling, a malformed word.
    expect(check(tree.leaves[0], 0, tree.proof(0), { gateway: GATEWAYS[1] })).to.equal(false);
    expect(check(tree.leaves[0], 0, tree.proof(0).slice(1))).to.equal(false);
    expect(check(tree.leaves[0], 0, [...tree.proof(0), zero])).to.equal(false);
    const tampered = tree.proof(0);
    tampered[1] = keccak256(tampered[1]);
    expect(check(tree.leaves[0], 0, tampered)).to.equal(false);
    expect(check("0x12" as Hex, 0, tree.proof(0))).to.equal(false);
    expect(check(tree.leaves[0], -1, tree.proof(0))).to.equal(false);
    expect(check(tree.leaves[0], 0.5, tree.proof(0))).to.equal(false);
    // An inner node is no leaf: at its level it needs a shorter proof than the block's depth.
    const inner = dataBlockNode(tree.leaves[0], tree.leaves[1]);
    expect(dataBlockProofRoot(inner, 0, tree.proof(0).slice(1))).to.equal(tree.root);
    expect(check(inner, 0, tree.proof(0).slice(1))).to.equal(false);
    expect(check(tree.root, 0, [])).to.equal(false);
    // One operation: depth 0, the root is the leaf itself.
    const single = dataBlockTreeOfLeaves(gateway, [tree.leaves[0]]);
    expect(single.root).to.equal(tree.leaves[0]);
    expect(single.proof(0)).to.deep.equal([]);
    expect(dataBlockDepth(1)).to.equal(0);
    expect(dataBlockDepth(1024)).to.equal(10);
    expect(dataBlockDepth(1025)).to.equal(11);
    expect(() => dataBlockDepth(0)).to.throw(RangeError);
  });
});

/** `count` operations signed by one key, in epochs 0..2, for a ledger's domain (any by default). */
async function signedOperations(
  count: number,
  domain = ledgerDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3"),
): Promise<SignedOperation[]> {
  const account = privateKeyToAccount(generatePrivateKey());
  const operations: SignedOperation[] = [];
  for (let i = 0; i < count; i++) {
    const { record } = createRecord({ payload: { i }, formatId: FORMAT_ID, sampledAt: 1000 + i });
    const epoch = i % 3;
    operations.push(await signRecord({ account, domain, record, deadline: 5000, epoch }));
  }
  return operations;
}
