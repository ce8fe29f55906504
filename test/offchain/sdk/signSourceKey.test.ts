import { expect } from "chai";
import { network } from "hardhat";
import { hashTypedData, keccak256, toBytes, toHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { sourceKeyDigest } from "../../../offchain/chain/sourceKeyTyping.js";
import { ledgerDomain, signSourceKey, sourceKeyTypes } from "../../../offchain/sdk/index.js";
import { DataLedger__factory, type DataLedger } from "../../../types/ethers-contracts/index.js";
import { ADMIN_DELAY } from "../../fixtures/deployLedger.js";
import { expectCode } from "../../helpers/expectCode.js";

const { ethers } = await network.create();

const FORMAT_ID = keccak256(toBytes("sdk source key format"));

/** The device side of key binding: the SDK's proof is what the ledger's source registry accepts. */
describe("offchain/sdk: signSourceKey", () => {
  let ledger: DataLedger;
  let domain: ReturnType<typeof ledgerDomain>;
  let owner: Hex;
  let other: Hex;

  before(async () => {
    const [admin, operator, ownerSigner, otherSigner] = await ethers.getSigners();
    const deployed = await ethers.deployContract("DataLedger", [admin.address, ADMIN_DELAY]);
    ledger = DataLedger__factory.connect(await deployed.getAddress(), operator);
    await ledger.connect(admin).grantRole(await ledger.OPERATOR_ROLE(), operator.address);
    await ledger.registerFormat(FORMAT_ID, "sdk", "1.0.0", "", 0);
    domain = ledgerDomain(
      (await ethers.provider.getNetwork()).chainId,
      (await ledger.getAddress()) as Hex,
    );
    owner = ownerSigner.address as Hex;
    other = otherSigner.address as Hex;
  });

  const register = (key: Hex, keyOwner: Hex, proof: Hex) =>
    ledger.registerSource(key, keyOwner, toHex(0, { size: 32 }), "urn:dev:sdk", [FORMAT_ID], proof);

  it("signs the digest the ledger's hashKeyProof and the ethers mirror compute", async () => {
    const device = privateKeyToAccount(generatePrivateKey());
    const digest = hashTypedData({
      domain,
      types: sourceKeyTypes,
      primaryType: "SourceKey",
      message: { key: device.address, owner },
    });
    expect(await ledger.hashKeyProof(device.address, owner)).to.equal(digest);
    expect(sourceKeyDigest(domain, device.address, owner)).to.equal(digest);
    const proof = await signSourceKey({ account: device, owner, domain });
    expect(proof).to.equal(await device.sign({ hash: digest }));
  });

  it("is accepted on-chain for registration and rotation", async () => {
    const device = privateKeyToAccount(generatePrivateKey());
    await (
      await register(device.address, owner, await signSourceKey({ account: device, owner, domain }))
    ).wait();
    const sourceId = await ledger.sourceIdOf(device.address);
    expect(sourceId).to.not.equal(0n);
    expect((await ledger.getSource(sourceId)).owner).to.equal(owner);

    const next = privateKeyToAccount(generatePrivateKey());
    // The operator rotates; the key names the source's owner all the same.
    await (
      await ledger.rotateSourceKey(
        sourceId,
        next.address,
        await signSourceKey({ account: next, owner, domain }),
      )
    ).wait();
    expect((await ledger.getSource(sourceId)).signer).to.equal(next.address);
  });

  it("binds only to the owner it names, on the chain it names", async () => {
    const device = privateKeyToAccount(generatePrivateKey());
    const forOwner = await signSourceKey({ account: device, owner, domain });
    await expect(register(device.address, other, forOwner))
      .to.be.revertedWithCustomError(ledger, "SourceRegistryInvalidKeyProof")
      .withArgs(device.address);
    const otherChain = await signSourceKey({
      account: device,
      owner,
      domain: { ...domain, chainId: domain.chainId + 1 },
    });
    await expect(register(device.address, owner, otherChain))
      .to.be.revertedWithCustomError(ledger, "SourceRegistryInvalidKeyProof")
      .withArgs(device.address);
    expect(await ledger.sourceIdOf(device.address)).to.equal(0n);
  });

  it("refuses an owner that is not an address (SDK_INVALID_ARGUMENT)", async () => {
    const device = privateKeyToAccount(generatePrivateKey());
    await expectCode(
      signSourceKey({ account: device, owner: "0x1234" as Hex, domain }),
      "SDK_INVALID_ARGUMENT",
    );
  });
});
