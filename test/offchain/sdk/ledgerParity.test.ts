import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import hre, { network } from "hardhat";
import { getAddress, keccak256, toHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
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
  createRecord,
  hashRecord,
  hashRecordStruct,
  leafEncoding,
  leafHash,
  leafValues,
  judgeAbi,
  ledgerAbi,
  ledgerDomain,
  recordId,
  signRecord,
  verifyMerkleProof,
  type SignedOperation,
} from "../../../offchain/sdk/index.js";
import { ADMIN_DELAY } from "../../fixtures/deployLedger.js";

const { ethers } = await network.create();

const FORMAT_ID = `0x${"cd".repeat(32)}` as Hex;

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
        expect(leafHash(operation), `epoch ${epoch}`).to.equal(await judge.leafHash(operation));
        // The gateway's fast path and the ethers-based mirror in offchain/chain agree as well.
        expect(toHex(operationLeaf(operation))).to.equal(leafHash(operation));
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

  it("builds the same leaves and proofs as OpenZeppelin's StandardMerkleTree", async () => {
    const domain = ledgerDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    const account = privateKeyToAccount(generatePrivateKey());
    const operations: SignedOperation[] = [];
    for (let i = 0; i < 7; i++) {
      const { record } = createRecord({ payload: { i }, formatId: FORMAT_ID, sampledAt: 1000 + i });
      const epoch = i % 3;
      operations.push(await signRecord({ account, domain, record, deadline: 5000, epoch }));
    }
    const values = operations.map((op) => {
      const [source, structHash, deadline, signatureHash] = leafValues(op);
      expect(signatureHash).to.equal(keccak256(op.signature));
      return [source, structHash, deadline, signatureHash];
    });
    const tree = StandardMerkleTree.of(values, [...leafEncoding]);
    for (const [i, op] of operations.entries()) {
      expect(leafHash(op)).to.equal(tree.leafHash(values[i]));
      const proof = tree.getProof(i) as Hex[];
      expect(verifyMerkleProof(tree.root as Hex, leafHash(op), proof)).to.equal(true);
      expect(
        verifyMerkleProof(tree.root as Hex, leafHash(operations[(i + 1) % 7]), proof),
      ).to.equal(false);
    }
    const proof = tree.getProof(0) as Hex[];
    const tampered = [...proof];
    tampered[0] = keccak256(tampered[0]);
    expect(verifyMerkleProof(tree.root as Hex, leafHash(operations[0]), tampered)).to.equal(false);
    expect(verifyMerkleProof(tree.root as Hex, leafHash(operations[0]), proof.slice(1))).to.equal(
      false,
    );
    expect(verifyMerkleProof("0x12" as Hex, leafHash(operations[0]), proof)).to.equal(false);
  });
});
