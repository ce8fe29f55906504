import { expect } from "chai";
import { network } from "hardhat";
import { createPublicClient, custom, keccak256, toBytes, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  createRecord,
  dataBlockId,
  hashPayload,
  ledgerDomain,
  readSourceEpoch,
  recordId,
  signRecord,
  signSourceKey,
  verifyReceipt,
  type Receipt,
  type SignedOperation,
} from "../../../offchain/sdk/index.js";
import { DataBlockJudge__factory, type DataLedger } from "../../../types/ethers-contracts/index.js";
import { buildReceiptBlock } from "../../helpers/buildReceiptBlock.js";
import { expectCode } from "../../helpers/expectCode.js";
import { ADMIN_DELAY } from "../../fixtures/deployLedger.js";

const { ethers, provider } = await network.create();
const publicClient = createPublicClient({ transport: custom(provider) });

const FORMAT_ID = keccak256(toBytes('{"title":"sdk-receipts","version":"1.0.0"}'));
const N = 5;

async function now(): Promise<number> {
  return Number((await ethers.provider.getBlock("latest"))!.timestamp);
}

describe("offchain/sdk: verifyReceipt against the chain", () => {
  const device = privateKeyToAccount(generatePrivateKey());
  const stranger = privateKeyToAccount(generatePrivateKey());
  let ledgerAddress: Hex;
  let ledger: DataLedger;
  let judgeAddress: string;
  const judge = () => DataBlockJudge__factory.connect(judgeAddress, ethers.provider);
  let domain: ReturnType<typeof ledgerDomain>;
  let gateway: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  let operator: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  let owner: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  let relayer: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  let rival: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  /** `gateway`'s data block over `operations`, with a receipt builder per operation. */
  const buildBlock = (operations: SignedOperation[]) =>
    buildReceiptBlock(gateway.address, operations);
  const payloads = Array.from({ length: N }, (_, i) => ({ station: "A1", pm25: 10 + i, seq: i }));

  async function signPayload(
    payload: unknown,
    account = device,
    sampledAt = 1_760_000_000,
    epoch = 0,
  ) {
    const { record } = createRecord({ payload, formatId: FORMAT_ID, sampledAt, uri: "ipfs://x" });
    return signRecord({ account, domain, record, deadline: (await now()) + 3600, epoch });
  }

  async function anchor(block: ReturnType<typeof buildBlock>) {
    await (
      await ledger.connect(gateway).getFunction("submitDataBlock")(
        block.root,
        block.count,
        block.firstSampledAt,
        block.lastSampledAt,
        "ipfs://block",
      )
    ).wait();
  }

  before(async () => {
    const [admin, operatorSigner, gatewaySigner, ownerSigner, relayerSigner, rivalSigner] =
      await ethers.getSigners();
    operator = operatorSigner;
    owner = ownerSigner;
    gateway = gatewaySigner;
    relayer = relayerSigner;
    rival = rivalSigner;
    ledger = await ethers.deployContract("DataLedger", [admin.address, ADMIN_DELAY]);
    judgeAddress = await ledger.dataBlockJudge();
    ledgerAddress = (await ledger.getAddress()) as Hex;
    const asAdmin = ledger.connect(admin);
    const asOperator = ledger.connect(operator);
    await asAdmin.getFunction("grantRole")(await ledger.getFunction("OPERATOR_ROLE")(), operator);
    await asOperator.getFunction("grantRole")(await ledger.getFunction("GATEWAY_ROLE")(), gateway);
    await asOperator.getFunction("grantRole")(await ledger.getFunction("GATEWAY_ROLE")(), rival);
    await asOperator.getFunction("registerFormat")(FORMAT_ID, "sdk", "1.0.0", "ipfs://schema", 0);
    domain = ledgerDomain((await ethers.provider.getNetwork()).chainId, ledgerAddress);
    await asOperator.getFunction("registerSource")(
      device.address,
      owner.address,
      keccak256(toBytes("device")),
      "ipfs://device",
      [FORMAT_ID],
      await signSourceKey({ account: device, owner: owner.address as Hex, domain }),
    );
  });

  describe("data block receipts", () => {
    let block: ReturnType<typeof buildBlock>;

    before(async () => {
      const operations = await Promise.all(
        payloads.map((p, i) => signPayload(p, device, 1000 + i)),
      );
      block = buildBlock(operations);
      await anchor(block);
    });

    it("verifies every record of an anchored block from payload + receipt + chain", async () => {
      for (let i = 0; i < N; i++) {
        const result = await verifyReceipt({
          payload: payloads[i],
          receipt: block.receipt(i),
          publicClient,
          ledgerAddress,
        });
        expect(result.verified).to.equal(true);
        expect(result.kind).to.equal("block");
        expect(result.sourceId).to.equal(1n);
        expect(result.source).to.equal(device.address);
        expect(result.root).to.equal(block.root);
        expect(result.blockId).to.equal(block.blockId);
        expect(result.leafIndex).to.equal(i);
        expect(result.chainId).to.equal(domain.chainId);
        expect(result.gateway).to.equal(gateway.address);
        expect(result.anchoredAt).to.be.a("number").and.be.greaterThan(0);
      }
    });

    it("accepts the payload with another key order, since hashing is canonical", async () => {
      const reordered = JSON.parse(`{"seq":0,"pm25":10,"station":"A1"}`);
      const result = await verifyReceipt({
        payload: reordered,
        receipt: block.receipt(0),
        publicClient,
        ledgerAddress,
      });
      expect(result.verified).to.equal(true);
    });

    it("rejects a tampered payload with RECEIPT_PAYLOAD_MISMATCH", async () => {
      await expectCode(
        verifyReceipt({
          payload: { ...payloads[1], pm25: 99 },
          receipt: block.receipt(1),
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_PAYLOAD_MISMATCH",
      );
      // The receipt's own fields must agree with the payload too.
      const receipt = block.receipt(1);
      await expectCode(
        verifyReceipt({
          payload: payloads[1],
          receipt: { ...receipt, dataHash: block.receipt(2).dataHash },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_PAYLOAD_MISMATCH",
      );
    });

    it("refuses a receipt whose record id is not its operation's: RECEIPT_RECORD_ID_MISMATCH", async () => {
      const receipt = block.receipt(1);
      // Another record's id, the bare data hash (the old rule), and the id of the same reading
      // by another key: none is recordId(operation.source, operation.record).
      for (const wrong of [
        block.receipt(2).recordId,
        receipt.dataHash,
        recordId(stranger.address, receipt.operation.record),
      ]) {
        const refused = await expectCode(
          verifyReceipt({
            payload: payloads[1],
            receipt: { ...receipt, recordId: wrong },
            publicClient,
            ledgerAddress,
          }),
          "RECEIPT_RECORD_ID_MISMATCH",
        );
        expect(refused.details).to.deep.equal({ expected: receipt.recordId, actual: wrong });
      }
    });

    it("refuses a payload other than the signed one even when the receipt's own ids name it: RECEIPT_PAYLOAD_MISMATCH", async () => {
      // One field changed: a payload that was never anchored. Whichever of the two data hashes a
      // receipt carries still names the genuine payload, the forged one must not verify (the
      // record id keeping the genuine one is RECEIPT_RECORD_ID_MISMATCH, tested above).
      const forged = { ...payloads[1], pm25: payloads[1].pm25 + 0.5 };
      const forgedHash = hashPayload(forged);
      const genuine = block.receipt(1);
      const forgedId = recordId(genuine.operation.source, {
        ...genuine.operation.record,
        dataHash: forgedHash,
      });
      for (const kept of ["operation.record.dataHash", "dataHash"] as const) {
        const receipt: Receipt = {
          ...genuine,
          recordId: forgedId,
          dataHash: kept === "dataHash" ? genuine.dataHash : forgedHash,
          operation: {
            ...genuine.operation,
            record: {
              ...genuine.operation.record,
              dataHash:
                kept === "operation.record.dataHash"
                  ? genuine.operation.record.dataHash
                  : forgedHash,
            },
          },
        };
        const refused = await expectCode(
          verifyReceipt({ payload: forged, receipt, publicClient, ledgerAddress }),
          "RECEIPT_PAYLOAD_MISMATCH",
        );
        expect(refused.details, kept).to.deep.include({ actual: forgedHash });
      }
    });

    it("rejects a tampered proof with RECEIPT_PROOF_INVALID", async () => {
      const receipt = block.receipt(2);
      const proof = [...receipt.proof!];
      proof[0] = keccak256(proof[0]);
      await expectCode(
        verifyReceipt({
          payload: payloads[2],
          receipt: { ...receipt, proof },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_PROOF_INVALID",
      );
      await expectCode(
        verifyReceipt({
          payload: payloads[2],
          receipt: { ...receipt, proof: block.receipt(3).proof },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_PROOF_INVALID",
      );
    });

    it("refuses a leaf index outside the count or a proof of another length: RECEIPT_LEAF_INDEX_INVALID", async () => {
      const receipt = block.receipt(2);
      // N = 5 operations: depth 3, slots 5..7 are padding. An index in the padding, or past the
      // tree, is no operation's; a proof one sibling short or long is not the block's depth.
      for (const wrong of [
        { leafIndex: N },
        { leafIndex: 7 },
        { leafIndex: 2 ** 20 },
        { proof: receipt.proof!.slice(1) },
        { proof: [...receipt.proof!, receipt.proof![0]] },
      ]) {
        const refused = await expectCode(
          verifyReceipt({
            payload: payloads[2],
            receipt: { ...receipt, ...wrong },
            publicClient,
            ledgerAddress,
          }),
          "RECEIPT_LEAF_INDEX_INVALID",
        );
        expect(refused.details, JSON.stringify(wrong)).to.deep.include({
          blockId: block.blockId,
          count: N,
        });
      }
    });

    it("refuses another operation's index with the right proof length: RECEIPT_PROOF_INVALID", async () => {
      // Positions are bound: the same leaf and siblings at index 3 make another root.
      const receipt = block.receipt(2);
      await expectCode(
        verifyReceipt({
          payload: payloads[2],
          receipt: { ...receipt, leafIndex: 3 },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_PROOF_INVALID",
      );
      // A root other than the one the proof leads to, even with the right block id.
      await expectCode(
        verifyReceipt({
          payload: payloads[2],
          receipt: { ...receipt, root: keccak256(receipt.root!) },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_PROOF_INVALID",
      );
    });

    it("verifies nothing in a rival gateway's copy of the root: RECEIPT_PROOF_INVALID", async () => {
      // The rival anchors the honest gateway's root first, with a count and range of its own.
      const payload = { station: "A1", copied: true };
      const operations = [await signPayload(payload), await signPayload({ filler: 3 })];
      const honest = buildBlock(operations);
      await (
        await ledger.connect(rival).getFunction("submitDataBlock")(
          honest.root,
          1,
          0,
          0,
          "ipfs://copy",
        )
      ).wait();
      await anchor(honest);
      const rivalBlockId = dataBlockId(rival.address as Hex, honest.root);
      expect(rivalBlockId).to.not.equal(honest.blockId);
      // The receipt pointed at the rival's block: its leaves are hashed with the rival's address.
      await expectCode(
        verifyReceipt({
          payload,
          receipt: { ...honest.receipt(0), blockId: rivalBlockId, proof: [] },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_PROOF_INVALID",
      );
      // The honest block, anchored after the copy, verifies as before.
      const result = await verifyReceipt({
        payload,
        receipt: honest.receipt(0),
        publicClient,
        ledgerAddress,
      });
      expect(result.blockId).to.equal(honest.blockId);
      expect(result.gateway).to.equal(gateway.address);
      expect(result.leafIndex).to.equal(0);
    });

    it("rejects a swapped signature: the leaf commits to it, so the proof fails first", async () => {
      const receipt = block.receipt(0);
      const forged = await signRecord({
        account: stranger,
        domain,
        record: receipt.operation.record,
        deadline: receipt.operation.deadline,
        epoch: receipt.operation.epoch,
      });
      await expectCode(
        verifyReceipt({
          payload: payloads[0],
          receipt: { ...receipt, operation: { ...receipt.operation, signature: forged.signature } },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_PROOF_INVALID",
      );
    });

    it("rejects a tampered epoch: the leaf commits to it, so the proof fails first", async () => {
      const receipt = block.receipt(1);
      await expectCode(
        verifyReceipt({
          payload: payloads[1],
          receipt: { ...receipt, operation: { ...receipt.operation, epoch: 1 } },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_PROOF_INVALID",
      );
    });

    it("rejects an operation a gateway anchored with a forged signature: RECEIPT_SIGNATURE_INVALID", async () => {
      // The stranger signs but claims to be the device; the gateway anchors it anyway.
      const payload = { station: "A1", forged: true };
      const forged = await signPayload(payload, stranger);
      const operations = [{ ...forged, source: device.address }, await signPayload({ filler: 1 })];
      const forgedBlock = buildBlock(operations);
      await anchor(forgedBlock);
      await expectCode(
        verifyReceipt({ payload, receipt: forgedBlock.receipt(0), publicClient, ledgerAddress }),
        "RECEIPT_SIGNATURE_INVALID",
      );
    });

    it("rejects a block never anchored with RECEIPT_NOT_ON_CHAIN", async () => {
      const payload = { station: "A1", unanchored: true };
      const unanchored = buildBlock([await signPayload(payload), await signPayload({ filler: 2 })]);
      await expectCode(
        verifyReceipt({ payload, receipt: unanchored.receipt(0), publicClient, ledgerAddress }),
        "RECEIPT_NOT_ON_CHAIN",
      );
    });

    it("rejects a struck operation with RECEIPT_OPERATION_DISPUTED and still verifies its honest neighbour", async () => {
      // A block with one honest operation and one signed by an unregistered key gets challenged.
      const honestPayload = { station: "A1", honest: true };
      const operations = [
        await signPayload(honestPayload),
        await signPayload({ rogue: 1 }, stranger),
      ];
      const disputed = buildBlock(operations);
      await anchor(disputed);
      const rogue = disputed.receipt(1);
      await (
        await judge()
          .connect(relayer)
          .challenge(disputed.blockId, rogue.operation, rogue.leafIndex!, rogue.proof!)
      ).wait();
      await expectCode(
        verifyReceipt({ payload: { rogue: 1 }, receipt: rogue, publicClient, ledgerAddress }),
        "RECEIPT_OPERATION_DISPUTED",
      );
      // One bad operation no longer takes the block down with it.
      const honest = await verifyReceipt({
        payload: honestPayload,
        receipt: disputed.receipt(0),
        publicClient,
        ledgerAddress,
      });
      expect(honest.verified).to.equal(true);
    });

    it("rejects an unchallenged operation by an unregistered key with RECEIPT_OPERATION_CHALLENGEABLE", async () => {
      const payload = { rogue: 2 };
      const operations = [await signPayload(payload, stranger), await signPayload({ filler: 3 })];
      const rogueBlock = buildBlock(operations);
      await anchor(rogueBlock);
      await expectCode(
        verifyReceipt({ payload, receipt: rogueBlock.receipt(0), publicClient, ledgerAddress }),
        "RECEIPT_OPERATION_CHALLENGEABLE",
      );
    });

    it("rejects a block receipt checked against another ledger address: RECEIPT_NOT_ON_CHAIN", async () => {
      // The block's own ledger names the chain id its signatures are judged under, so an
      // address that holds no such block refuses before any signature is checked (the
      // EIP-712 domain binding is the mutants test's foreign-ledger signature).
      await expectCode(
        verifyReceipt({
          payload: payloads[0],
          receipt: block.receipt(0),
          publicClient,
          ledgerAddress: relayer.address as Hex,
        }),
        "RECEIPT_NOT_ON_CHAIN",
      );
    });

    it("rejects a malformed receipt with RECEIPT_MALFORMED", async () => {
      const receipt = block.receipt(0);
      await expectCode(
        verifyReceipt({
          payload: payloads[0],
          receipt: { ...receipt, proof: undefined },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_MALFORMED",
      );
      await expectCode(
        verifyReceipt({
          payload: payloads[0],
          receipt: { ...receipt, operation: { ...receipt.operation, deadline: -1 } },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_MALFORMED",
      );
      for (const epoch of [undefined, -1, 2 ** 32, "0"]) {
        const refused = await expectCode(
          verifyReceipt({
            payload: payloads[0],
            receipt: {
              ...receipt,
              operation: { ...receipt.operation, epoch: epoch as unknown as number },
            },
            publicClient,
            ledgerAddress,
          }),
          "RECEIPT_MALFORMED",
        );
        expect(refused.details, String(epoch)).to.deep.equal({ field: "operation.epoch" });
      }
    });

    it("refuses an operation whose deadline passed before its block was anchored: RECEIPT_OPERATION_CHALLENGEABLE", async () => {
      // The ledger's challenge rule: an operation is challengeable when deadline < anchoredAt.
      // One block anchored at a known second holds an operation that expired the second before
      // and one whose deadline is that very second.
      const anchoredAt = (await now()) + 1_000;
      const signWithDeadline = async (payload: unknown, deadline: number) => {
        const { record } = createRecord({
          payload,
          formatId: FORMAT_ID,
          sampledAt: 1_760_000_000,
          uri: "ipfs://x",
        });
        return signRecord({ account: device, domain, record, deadline, epoch: 0 });
      };
      const late = { station: "A1", late: true };
      const onTime = { station: "A1", onTime: true };
      const operations = [
        await signWithDeadline(late, anchoredAt - 1),
        await signWithDeadline(onTime, anchoredAt),
      ];
      const lateBlock = buildBlock(operations);
      await provider.request({ method: "evm_setNextBlockTimestamp", params: [anchoredAt] });
      await anchor(lateBlock);

      const verified = await verifyReceipt({
        payload: onTime,
        receipt: lateBlock.receipt(1),
        publicClient,
        ledgerAddress,
      });
      expect(verified.anchoredAt).to.equal(anchoredAt);
      const refused = await expectCode(
        verifyReceipt({
          payload: late,
          receipt: lateBlock.receipt(0),
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_OPERATION_CHALLENGEABLE",
      );
      expect(refused.details).to.deep.include({ deadline: anchoredAt - 1, anchoredAt });

      expect(refused.details).to.include({ reason: "ExpiredSignature" });

      // The ledger's judge agrees: the late operation would be struck, the on-time one is valid.
      const challenge = judge().connect(relayer).getFunction("challenge");
      await challenge.staticCall(lateBlock.blockId, operations[0], 0, lateBlock.receipt(0).proof!);
      await expect(
        challenge.staticCall(lateBlock.blockId, operations[1], 1, lateBlock.receipt(1).proof!),
      ).to.be.revertedWithCustomError(judge(), "DataBlockJudgeValidOperation");
    });

    it("reports an unreachable endpoint as retryable CHAIN_UNAVAILABLE", async () => {
      let caught: unknown;
      try {
        await verifyReceipt({
          payload: payloads[0],
          receipt: block.receipt(0),
          rpcUrl: "http://127.0.0.1:9",
          ledgerAddress,
        });
      } catch (error) {
        caught = error;
      }
      expect((caught as { code?: string }).code).to.equal("CHAIN_UNAVAILABLE");
      expect((caught as { retryable?: boolean }).retryable).to.equal(true);
    });
  });

  describe("individually anchored (relayed) records", () => {
    const payload = { station: "B7", pm10: 31 };
    let receipt: Receipt;

    before(async () => {
      const operation = await signPayload(payload, device, 1_760_000_123);
      const tx = await ledger.connect(relayer).getFunction("submitRecordBySig")(
        operation.source,
        operation.record,
        operation.deadline,
        operation.signature,
      );
      const mined = await tx.wait();
      receipt = {
        recordId: recordId(operation.source, operation.record),
        dataHash: operation.record.dataHash,
        kind: "record",
        operation,
        txHash: tx.hash as Hex,
        blockNumber: mined!.blockNumber,
      };
    });

    it("verifies a relayed record and attributes it to the source", async () => {
      const result = await verifyReceipt({ payload, receipt, publicClient, ledgerAddress });
      expect(result.verified).to.equal(true);
      expect(result.kind).to.equal("record");
      expect(result.sourceId).to.equal(1n);
      expect(result.status).to.equal("active");
      expect(result.anchoredAt).to.be.greaterThan(0);
      expect(result.recordId).to.equal(receipt.recordId);
      expect(result.recordId).to.not.equal(result.dataHash);
    });

    it("refuses a relayed receipt whose record id is not its operation's: RECEIPT_RECORD_ID_MISMATCH", async () => {
      // The bare data hash was the record id before ids named the source and sampling time.
      await expectCode(
        verifyReceipt({
          payload,
          receipt: { ...receipt, recordId: receipt.dataHash },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_RECORD_ID_MISMATCH",
      );
    });

    it("rejects a tampered payload or signature", async () => {
      await expectCode(
        verifyReceipt({ payload: { ...payload, pm10: 32 }, receipt, publicClient, ledgerAddress }),
        "RECEIPT_PAYLOAD_MISMATCH",
      );
      const operation = {
        ...receipt.operation,
        record: { ...receipt.operation.record, uri: "ipfs://y" },
      };
      await expectCode(
        verifyReceipt({ payload, receipt: { ...receipt, operation }, publicClient, ledgerAddress }),
        "RECEIPT_SIGNATURE_INVALID",
      );
    });

    it("rejects a tampered epoch: the signature no longer recovers to the source", async () => {
      for (const epoch of [1, 2 ** 32 - 1]) {
        const operation = { ...receipt.operation, epoch };
        await expectCode(
          verifyReceipt({
            payload,
            receipt: { ...receipt, operation },
            publicClient,
            ledgerAddress,
          }),
          "RECEIPT_SIGNATURE_INVALID",
        );
      }
    });

    it("refuses a payload other than the signed one even when the receipt's own ids name it: RECEIPT_PAYLOAD_MISMATCH", async () => {
      const forged = { ...payload, pm10: payload.pm10 + 1 };
      const forgedHash = hashPayload(forged);
      const forgedId = recordId(receipt.operation.source, {
        ...receipt.operation.record,
        dataHash: forgedHash,
      });
      for (const kept of ["operation.record.dataHash", "dataHash"] as const) {
        const forgedReceipt: Receipt = {
          ...receipt,
          recordId: forgedId,
          dataHash: kept === "dataHash" ? receipt.dataHash : forgedHash,
          operation: {
            ...receipt.operation,
            record: {
              ...receipt.operation.record,
              dataHash:
                kept === "operation.record.dataHash"
                  ? receipt.operation.record.dataHash
                  : forgedHash,
            },
          },
        };
        const refused = await expectCode(
          verifyReceipt({ payload: forged, receipt: forgedReceipt, publicClient, ledgerAddress }),
          "RECEIPT_PAYLOAD_MISMATCH",
        );
        expect(refused.details, kept).to.deep.include({ actual: forgedHash });
      }
    });

    it("rejects a signed record that was never anchored with RECEIPT_NOT_ON_CHAIN", async () => {
      const other = { station: "B7", pm10: 40 };
      const operation = await signPayload(other);
      await expectCode(
        verifyReceipt({
          payload: other,
          receipt: {
            ...receipt,
            recordId: recordId(operation.source, operation.record),
            dataHash: operation.record.dataHash,
            operation,
          },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_NOT_ON_CHAIN",
      );
    });

    it("rejects a record anchored by another source: RECEIPT_RECORD_ID_MISMATCH or RECEIPT_NOT_ON_CHAIN", async () => {
      // The stranger signs the same record the device anchored: valid signature, wrong source.
      const operation = await signRecord({
        account: stranger,
        domain,
        record: receipt.operation.record,
        deadline: receipt.operation.deadline,
        epoch: receipt.operation.epoch,
      });
      // Borrowing the device's record id: the id names the device's key, not the stranger's.
      await expectCode(
        verifyReceipt({ payload, receipt: { ...receipt, operation }, publicClient, ledgerAddress }),
        "RECEIPT_RECORD_ID_MISMATCH",
      );
      // With its own id: the stranger's reading was never anchored.
      await expectCode(
        verifyReceipt({
          payload,
          receipt: {
            ...receipt,
            operation,
            recordId: recordId(stranger.address, operation.record),
          },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_NOT_ON_CHAIN",
      );
    });
  });

  describe("signing epochs", () => {
    // A second device of its own, so that moving its epoch leaves the other tests' device alone.
    const second = privateKeyToAccount(generatePrivateKey());
    let sourceId: bigint;

    before(async () => {
      await ledger.connect(operator).getFunction("registerSource")(
        second.address,
        owner.address,
        keccak256(toBytes("second")),
        "ipfs://second",
        [FORMAT_ID],
        await signSourceKey({ account: second, owner: owner.address as Hex, domain }),
      );
      sourceId = await ledger.sourceIdOf(second.address);
    });

    it("readSourceEpoch follows the source's suspensions and reactivations", async () => {
      const read = () => readSourceEpoch({ publicClient, ledgerAddress, source: second.address });
      expect(await read()).to.equal(0);
      await (await ledger.connect(operator).suspendSource(sourceId, 7)).wait();
      expect(await read()).to.equal(1);
      await (await ledger.connect(operator).reactivateSource(sourceId)).wait();
      expect(await read()).to.equal(2);
      expect((await ledger.getSource(sourceId)).epoch).to.equal(2n);
      await expectCode(
        readSourceEpoch({ publicClient, ledgerAddress, source: stranger.address }),
        "SDK_SOURCE_UNKNOWN",
      );
      const unreachable = await expectCode(
        readSourceEpoch({ rpcUrl: "http://127.0.0.1:9", ledgerAddress, source: second.address }),
        "CHAIN_UNAVAILABLE",
      );
      expect((unreachable as { retryable?: boolean }).retryable).to.equal(true);
    });

    it("refuses a block operation signed in an epoch the source had left: StaleEpoch", async () => {
      const current = await readSourceEpoch({
        publicClient,
        ledgerAddress,
        source: second.address,
      });
      expect(current).to.equal(2);
      const stalePayload = { station: "C3", stale: true };
      const freshPayload = { station: "C3", stale: false };
      const operations = [
        await signPayload(stalePayload, second, 1_760_000_500, 0),
        await signPayload(freshPayload, second, 1_760_000_501, current),
      ];
      const epochBlock = buildBlock(operations);
      await anchor(epochBlock);

      const fresh = await verifyReceipt({
        payload: freshPayload,
        receipt: epochBlock.receipt(1),
        publicClient,
        ledgerAddress,
      });
      expect(fresh.sourceId).to.equal(sourceId);
      const refused = await expectCode(
        verifyReceipt({
          payload: stalePayload,
          receipt: epochBlock.receipt(0),
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_OPERATION_CHALLENGEABLE",
      );
      expect(refused.details).to.include({ reason: "StaleEpoch" });

      // The judge strikes it for that reason, and the receipt then says so.
      const challenge = judge().connect(relayer).getFunction("challenge");
      await (
        await challenge(epochBlock.blockId, operations[0], 0, epochBlock.receipt(0).proof!)
      ).wait();
      await expectCode(
        verifyReceipt({
          payload: stalePayload,
          receipt: epochBlock.receipt(0),
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_OPERATION_DISPUTED",
      );
    });
  });
});
