import { expect } from "chai";
import { network } from "hardhat";

import {
  leafHash,
  ledgerDomain,
  mutableTypes,
  recordDigest,
  type RecordInput,
} from "../../../offchain/chain/recordTyping.js";
import { hashPayload } from "../../../offchain/sdk/index.js";
import { ADMIN_DELAY } from "../../fixtures/deployLedger.js";

const { ethers } = await network.create();

describe("offchain/chain: record typing matches the ledger", () => {
  it("computes the same EIP-712 digest and data block leaf as the contract", async () => {
    const [admin] = await ethers.getSigners();
    const ledger = await ethers.deployContract("DataLedger", [admin.address, ADMIN_DELAY]);
    const domain = ledgerDomain(
      (await ethers.provider.getNetwork()).chainId,
      await ledger.getAddress(),
    );
    const record: RecordInput = {
      dataHash: hashPayload({ b: 2, a: 1 }),
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
    const judge = await ethers.getContractAt("DataBlockJudge", await ledger.dataBlockJudge());
    expect(leafHash(op)).to.equal(await judge.leafHash(op));
  });
});
