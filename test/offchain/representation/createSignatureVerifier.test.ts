import { expect } from "chai";
import { concat, keccak256, numberToHex, toBytes, toHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { hashRecord } from "../../../offchain/sdk/hashRecord.js";
import { ledgerDomain } from "../../../offchain/sdk/ledgerDomain.js";
import { recordTypes } from "../../../offchain/sdk/recordTypes.js";
import type { SignedOperation } from "../../../offchain/sdk/wire.js";
import { createSignatureVerifier } from "../../../offchain/representation/accept/createSignatureVerifier.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const domain = ledgerDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");

async function signed(label: string, uri = `ipfs://${label}`): Promise<SignedOperation> {
  const account = privateKeyToAccount(generatePrivateKey());
  const record = {
    dataHash: keccak256(toBytes(label)),
    formatId: keccak256(toBytes(`format-${label}`)),
    metadataHash: keccak256(toBytes(`meta-${label}`)),
    sampledAt: 1_700_000_000 + label.length,
    uri,
  };
  const deadline = 2 ** 48 - 1 - label.length;
  const epoch = label.length % 3;
  const signature = await account.signTypedData({
    domain,
    types: recordTypes,
    primaryType: "Record",
    message: { ...record, deadline, epoch },
  });
  return { source: account.address, record, deadline, epoch, signature };
}

/** The same signature with s' = n - s and the other v: valid for ecrecover, refused by OZ. */
function highS(signature: Hex): Hex {
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130), 16);
  return concat([
    `0x${signature.slice(2, 66)}`,
    numberToHex(N - s, { size: 32 }),
    numberToHex(v === 27 ? 28 : 27, { size: 1 }),
  ]);
}

function withV(signature: Hex, v: number): Hex {
  return concat([signature.slice(0, 130) as Hex, numberToHex(v, { size: 1 })]);
}

describe("offchain/representation: createSignatureVerifier", () => {
  const native = createSignatureVerifier(domain);
  const noble = createSignatureVerifier(domain, "noble");

  it("loads the native binding here and falls back to viem when asked", () => {
    expect(native.implementation).to.equal("native");
    expect(noble.implementation).to.equal("noble");
  });

  it("agrees with the SDK (noble) on valid, foreign and tampered signatures", async () => {
    for (const label of ["a", "reading-42", "uri ünïcødé ✓", ""]) {
      const op = await signed(label, label === "" ? "" : `https://x.test/${label}`);
      const other = await signed(`${label}-other`);
      const cases: SignedOperation[] = [
        op,
        { ...op, source: other.source },
        { ...op, deadline: op.deadline - 1 },
        { ...op, epoch: op.epoch + 1 },
        { ...op, record: { ...op.record, uri: `${op.record.uri}!` } },
        { ...op, record: { ...op.record, sampledAt: op.record.sampledAt + 1 } },
        { ...op, signature: other.signature },
        { ...op, source: op.source.toLowerCase() as Hex },
      ];
      const expected = [true, false, false, false, false, false, false, true];
      for (const [i, operation] of cases.entries()) {
        expect(await native.verify(operation), `${label} case ${i}`).to.equal(expected[i]);
        expect(await noble.verify(operation), `${label} case ${i}`).to.equal(expected[i]);
      }
    }
  });

  it("builds the same EIP-712 digest as viem's hashTypedData", async () => {
    // A valid signature recovers to the signer only if the digest matches bit for bit; check
    // the extremes of the uint48 fields too.
    for (const [sampledAt, deadline, epoch] of [
      [0, 0, 0],
      [2 ** 48 - 1, 2 ** 48 - 1, 2 ** 32 - 1],
      [1, 2 ** 32 + 5, 1],
    ]) {
      const account = privateKeyToAccount(generatePrivateKey());
      const record = { ...(await signed("x")).record, sampledAt };
      const signature = await account.sign({
        hash: hashRecord({ domain, record, deadline, epoch }),
      });
      const operation = { source: account.address, record, deadline, epoch, signature };
      expect(await native.verify(operation)).to.equal(true);
    }
  });

  it("refuses high-s, bad v and malformed signatures like OpenZeppelin ECDSA", async () => {
    const op = await signed("malleable");
    const bad: Hex[] = [
      highS(op.signature),
      withV(op.signature, 0),
      withV(op.signature, 1),
      withV(op.signature, 29),
      op.signature.slice(0, 130) as Hex, // 64 bytes
      concat([op.signature, "0x00"]), // 66 bytes
      concat([toHex(0n, { size: 32 }), op.signature.slice(66) as Hex]) as Hex, // r = 0
      concat([numberToHex(N, { size: 32 }), op.signature.slice(66) as Hex]) as Hex, // r = n
      "0x",
      `0x${"zz".repeat(65)}` as Hex,
    ];
    for (const [i, signature] of bad.entries()) {
      expect(await native.verify({ ...op, signature }), `native ${i}`).to.equal(false);
      expect(await noble.verify({ ...op, signature }), `noble ${i}`).to.equal(false);
    }
  });

  it("refuses fields the EIP-712 encoding cannot hold", async () => {
    const op = await signed("range");
    const cases: SignedOperation[] = [
      { ...op, deadline: 2 ** 48 },
      { ...op, deadline: -1 },
      { ...op, epoch: 2 ** 32 },
      { ...op, epoch: -1 },
      { ...op, epoch: undefined as unknown as number },
      { ...op, record: { ...op.record, sampledAt: 1.5 } },
      { ...op, record: { ...op.record, dataHash: "0x1234" } },
    ];
    for (const [i, operation] of cases.entries()) {
      expect(await native.verify(operation), `native ${i}`).to.equal(false);
      expect(await noble.verify(operation), `noble ${i}`).to.equal(false);
    }
  });
});

describe("offchain/representation: createSignatureVerifier on worker threads", () => {
  const pooled = createSignatureVerifier(domain, { workers: 2 });
  const inThread = createSignatureVerifier(domain);
  after(() => pooled.close());

  it("verifyMany gives verify's verdicts, in order, for valid, foreign, tampered and malformed items", async () => {
    const operations: SignedOperation[] = [];
    for (const label of ["p", "q", "r ✓", ""]) {
      const op = await signed(label, label === "" ? "" : `https://x.test/${label}`);
      const other = await signed(`${label}-other`);
      operations.push(
        op,
        { ...op, source: other.source },
        { ...op, deadline: op.deadline - 1 },
        { ...op, epoch: op.epoch + 1 },
        { ...op, signature: highS(op.signature) },
        { ...op, signature: withV(op.signature, 29) },
        { ...op, signature: concat([numberToHex(N, { size: 32 }), op.signature.slice(66) as Hex]) },
        { ...op, record: { ...op.record, dataHash: "0x1234" } },
        other,
      );
    }
    expect(pooled.workers).to.equal(2);
    const expected = await Promise.all(operations.map((op) => inThread.verify(op)));
    expect(expected.filter(Boolean)).to.have.length(8); // each op and each `other`
    expect(await pooled.verifyMany(operations)).to.deep.equal(expected);
    expect(await inThread.verifyMany(operations)).to.deep.equal(expected);
    expect(await pooled.verifyMany([])).to.deep.equal([]);
  });

  it("keeps answering on the calling thread once closed", async () => {
    const verifier = createSignatureVerifier(domain, { workers: 1 });
    const ops = [await signed("closed-a"), await signed("closed-b")];
    await verifier.close();
    expect(await verifier.verifyMany([ops[0], { ...ops[1], source: ops[0].source }])).to.deep.equal(
      [true, false],
    );
  });
});
