import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import { createPublicClient, http } from "viem";

import {
  createRecord,
  ledgerDomain,
  signRecord,
  verifyReceipt,
  type LedgerDomain,
  type SignedOperation,
} from "../../offchain/sdk/index.js";
import {
  DataBlockJudge__factory,
  DataLedger__factory,
} from "../../types/ethers-contracts/index.js";
import { buildReceiptBlock } from "../helpers/buildReceiptBlock.js";
import { DataBlockStatus, DisputeReason } from "../helpers/enums.js";
import { expectCode } from "../helpers/expectCode.js";
import {
  setUpRepresentationOnAnvil,
  type AnvilRepresentation,
} from "../helpers/representationOnAnvil.js";

const NEW_CHAIN_ID = 73_777;

// Data block protocol v3, rule D: the judge checks a block operation's signature in the EIP-712
// domain of the chain id the block was anchored under. Anvil changes its chain id on request
// (anvil_setChainId), which Hardhat's simulated network cannot, so these run against Anvil.
describe("DataBlockJudge: signatures judged under the block's anchoring chain id (Anvil)", function () {
  this.timeout(120_000);
  let env: AnvilRepresentation;

  before(async () => {
    // `npm run coverage` instruments the ledger past Anvil's code size limit; this suite is about
    // signature domains, and every deployment on Hardhat's network checks the real limit.
    env = await setUpRepresentationOnAnvil({ anvilArgs: ["--disable-code-size-limit"] });
  });
  after(() => env?.close());

  it("keeps a block anchored before a chain-id change valid, and strikes old-domain signatures anchored after it", async () => {
    const { fx, anvil } = env;
    const oldChainId = fx.domain.chainId;
    const deadline = (await fx.now()) + 3600;
    let n = 0;
    const sign = (domain: LedgerDomain): Promise<SignedOperation> => {
      const { record } = createRecord({
        payload: { station: "chain-id", pm25: 1 + n },
        formatId: fx.formatId,
        sampledAt: 1_760_000_000 + n++,
      });
      return signRecord({ account: fx.device, domain, record, deadline, epoch: 0 });
    };
    const payloadOf = (i: number) => ({ station: "chain-id", pm25: 1 + i });

    // Anchored under the old chain id, by the gateway, with signatures for the old domain.
    const before = buildReceiptBlock(fx.gatewaySigner.address, [
      await sign(fx.domain),
      await sign(fx.domain),
    ]);
    await (
      await fx.ledger
        .connect(fx.gatewaySigner)
        .submitDataBlock(before.root, before.count, before.firstSampledAt, before.lastSampledAt, "")
    ).wait();

    await anvil.rpc("anvil_setChainId", [NEW_CHAIN_ID]);
    // Fresh clients: ethers' and viem's remember the chain id they first saw.
    const provider = new JsonRpcProvider(anvil.url, NEW_CHAIN_ID, {
      staticNetwork: true,
      cacheTimeout: -1, // two transactions in a row must not share a cached nonce
    });
    const gateway = new Wallet(fx.gatewaySigner.privateKey, provider);
    const ledger = DataLedger__factory.connect(fx.ledgerAddress, gateway);
    const judge = DataBlockJudge__factory.connect(await ledger.dataBlockJudge(), gateway);
    const publicClient = createPublicClient({ transport: http(anvil.url) });
    expect(Number((await provider.getNetwork()).chainId)).to.equal(NEW_CHAIN_ID);
    const newDomain = ledgerDomain(NEW_CHAIN_ID, fx.ledgerAddress);

    // The honest block before the change: nothing strikable, every receipt verifies.
    expect((await ledger.getDataBlock(before.blockId)).chainId).to.equal(BigInt(oldChainId));
    for (let i = 0; i < before.count; i++) {
      const receipt = before.receipt(i);
      const [valid] = await judge.verdict(before.blockId, receipt.operation);
      expect(valid, `operation ${i} before the change`).to.equal(true);
      await expect(
        judge.challenge.staticCall(before.blockId, receipt.operation, i, receipt.proof!),
      ).to.be.revertedWithCustomError(judge, "DataBlockJudgeValidOperation");
      const verified = await verifyReceipt({
        payload: payloadOf(i),
        receipt,
        publicClient,
        ledgerAddress: fx.ledgerAddress,
      });
      expect(verified.chainId).to.equal(oldChainId);
    }

    // A block anchored after the change: the old-domain signature is struck, the new one stands.
    const after = buildReceiptBlock(fx.gatewaySigner.address, [
      await sign(fx.domain),
      await sign(newDomain),
    ]);
    await (
      await ledger.submitDataBlock(
        after.root,
        after.count,
        after.firstSampledAt,
        after.lastSampledAt,
        "",
      )
    ).wait();
    expect((await ledger.getDataBlock(after.blockId)).chainId).to.equal(BigInt(NEW_CHAIN_ID));
    const [stale, fresh] = [after.receipt(0), after.receipt(1)];
    expect(await judge.verdict(after.blockId, stale.operation)).to.deep.equal([
      false,
      BigInt(DisputeReason.InvalidSignature),
    ]);
    expect((await judge.verdict(after.blockId, fresh.operation))[0]).to.equal(true);
    await expectCode(
      verifyReceipt({
        payload: payloadOf(2),
        receipt: stale,
        publicClient,
        ledgerAddress: fx.ledgerAddress,
      }),
      "RECEIPT_SIGNATURE_INVALID",
    );
    const verified = await verifyReceipt({
      payload: payloadOf(3),
      receipt: fresh,
      publicClient,
      ledgerAddress: fx.ledgerAddress,
    });
    expect(verified.chainId).to.equal(NEW_CHAIN_ID);
    await expect(judge.challenge(after.blockId, stale.operation, 0, stale.proof!))
      .to.emit(ledger, "DataBlockDisputed")
      .withArgs(
        after.blockId,
        gateway.address,
        after.tree.leaves[0],
        fx.device.address,
        DisputeReason.InvalidSignature,
      );
    expect((await ledger.getDataBlock(after.blockId)).status).to.equal(
      BigInt(DataBlockStatus.Disputed),
    );
    // The earlier block is untouched by all this.
    expect((await ledger.getDataBlock(before.blockId)).status).to.equal(
      BigInt(DataBlockStatus.Anchored),
    );
    // A relayed record is checked at submission, in the current domain only.
    const relayedOld = await sign(fx.domain);
    await expect(
      ledger.submitRecordBySig(
        relayedOld.source,
        relayedOld.record,
        relayedOld.deadline,
        relayedOld.signature,
      ),
    ).to.be.revertedWithCustomError(ledger, "DataRegistryInvalidSignature");
  });
});
