import { expect } from "chai";
import { network } from "hardhat";

import {
  leafHash,
  ledgerDomain,
  mutableTypes,
  recordDigest,
  type RecordInput,
} from "../../../offchain/chain/recordTyping.js";
import { canonicalJson, payloadHash } from "../../../offchain/representation/payloadHash.js";
import { expectCode } from "../../helpers/expectCode.js";

const { ethers } = await network.create();

describe("offchain/chain: record typing matches the ledger", () => {
  it("computes the same EIP-712 digest and data block leaf as the contract", async () => {
    const [admin] = await ethers.getSigners();
    const ledger = await ethers.deployContract("DataLedger", [admin.address]);
    const domain = ledgerDomain(
      (await ethers.provider.getNetwork()).chainId,
      await ledger.getAddress(),
    );
    const record: RecordInput = {
      dataHash: payloadHash({ b: 2, a: 1 }),
      formatId: ethers.id("format"),
      metadataHash: ethers.id("meta"),
      sampledAt: 1_760_000_000,
      uri: "ipfs://bafy…",
    };
    const deadline = 1_900_000_000;
    expect(recordDigest(domain, record, deadline)).to.equal(
      await ledger.hashRecord(record, deadline),
    );

    const device = ethers.Wallet.createRandom();
    const signature = await device.signTypedData(domain, mutableTypes(), { ...record, deadline });
    const op = { source: device.address, record, deadline, signature };
    expect(leafHash(op)).to.equal(await ledger.leafHash(op));
  });

  it("hashes payloads canonically (RFC 8785): key order and number spelling do not matter", async () => {
    expect(canonicalJson({ b: [1, { d: 1e2, c: "x" }], a: null })).to.equal(
      '{"a":null,"b":[1,{"c":"x","d":100}]}',
    );
    expect(payloadHash({ x: 1, y: 2 })).to.equal(payloadHash(JSON.parse('{"y":2.0,"x":1}')));
    expect(payloadHash({ x: 1 })).to.not.equal(payloadHash({ x: 2 }));
    await expectCode(() => canonicalJson(undefined), "PAYLOAD_NOT_CANONICALIZABLE");
    await expectCode(() => canonicalJson({ n: Number.NaN }), "PAYLOAD_NOT_CANONICALIZABLE");
  });
});
