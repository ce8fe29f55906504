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
  it("computes the same EIP-712 digest and data block leaf as the contract, in every epoch", async () => {
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
    const judge = await ethers.getContractAt("DataBlockJudge", await ledger.dataBlockJudge());
    const device = ethers.Wallet.createRandom();
    const digests = new Set<string>();
    for (const epoch of [0, 1, 2 ** 32 - 1]) {
      const digest = recordDigest(domain, record, deadline, epoch);
      expect(digest).to.equal(await ledger.hashRecord(record, deadline, epoch));
      digests.add(digest);

      const signature = await device.signTypedData(domain, mutableTypes(), {
        ...record,
        deadline,
        epoch,
      });
      const op = { source: device.address, record, deadline, epoch, signature };
      for (const gateway of [device.address, ethers.ZeroAddress]) {
        expect(leafHash(gateway, op)).to.equal(await judge.leafHash(gateway, op));
      }
    }
    expect(digests.size, "the epoch is part of the digest").to.equal(3);
  });
});
