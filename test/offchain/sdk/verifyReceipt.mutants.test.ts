// Tests written against the mutants Stryker left alive in offchain/sdk/verifyReceipt.ts
// (npm run test:mutation): every malformed field named, every refusal's message and details,
// and the on-chain checks that only a ledger or RPC answering otherwise can reach (an RPC that
// lies about one read, through a viem custom transport).
import { expect } from "chai";
import { network } from "hardhat";
import {
  createPublicClient,
  custom,
  decodeFunctionResult,
  encodeFunctionResult,
  getAddress,
  keccak256,
  toBytes,
  toFunctionSelector,
  type Abi,
  type Hex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  createRecord,
  disputeReasons,
  judgeAbi,
  ledgerAbi,
  ledgerDomain,
  recordId,
  signRecord,
  signSourceKey,
  verifyReceipt,
  type Receipt,
  type SignedOperation,
} from "../../../offchain/sdk/index.js";
import type { DataLedger } from "../../../types/ethers-contracts/index.js";
import { buildReceiptBlock } from "../../helpers/buildReceiptBlock.js";
import { expectCode } from "../../helpers/expectCode.js";
import { ADMIN_DELAY } from "../../fixtures/deployLedger.js";

const { ethers, provider } = await network.create();

const FORMAT_ID = keccak256(toBytes('{"title":"sdk-mutants","version":"1.0.0"}'));
const OTHER_FORMAT_ID = keccak256(toBytes('{"title":"sdk-mutants-other","version":"1.0.0"}'));

type Tamper = (result: unknown) => unknown;

/**
 * A viem client on the test chain whose answers to the named view functions pass through
 * `tamper` first: a ledger or RPC that answers otherwise than the chain.
 */
function lyingClient(tampers: Record<string, Tamper>) {
  const abi = [...ledgerAbi, ...judgeAbi] as Abi;
  const bySelector = new Map<string, { name: string; tamper: Tamper }>();
  for (const [name, tamper] of Object.entries(tampers)) {
    const item = abi.find((i) => i.type === "function" && i.name === name);
    if (!item || item.type !== "function") throw new Error(`no function ${name}`);
    bySelector.set(toFunctionSelector(item), { name, tamper });
  }
  return createPublicClient({
    transport: custom({
      async request({ method, params }: { method: string; params?: unknown }) {
        const answer = await provider.request({ method, params: params as unknown[] });
        if (method !== "eth_call") return answer;
        const data = ((params as [{ data?: Hex; input?: Hex }])[0].data ??
          (params as [{ input?: Hex }])[0].input) as Hex;
        const hit = bySelector.get(data.slice(0, 10));
        if (!hit) return answer;
        const decoded = decodeFunctionResult({
          abi,
          functionName: hit.name,
          data: answer as Hex,
        } as never);
        return encodeFunctionResult({
          abi,
          functionName: hit.name,
          result: hit.tamper(decoded),
        } as never);
      },
    }),
  });
}

describe("offchain/sdk: verifyReceipt, refusal by refusal", () => {
  const device = privateKeyToAccount(generatePrivateKey());
  const publicClient = createPublicClient({ transport: custom(provider) });
  let ledger: DataLedger;
  let ledgerAddress: Hex;
  let domain: ReturnType<typeof ledgerDomain>;
  let gateway: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  let relayer: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  const buildBlock = (operations: SignedOperation[]) =>
    buildReceiptBlock(gateway.address, operations);

  const now = async () => Number((await ethers.provider.getBlock("latest"))!.timestamp);

  async function sign(
    payload: unknown,
    {
      sampledAt = 1_760_000_000,
      formatId = FORMAT_ID,
      signDomain = domain,
    }: { sampledAt?: number; formatId?: Hex; signDomain?: ReturnType<typeof ledgerDomain> } = {},
  ) {
    const { record } = createRecord({ payload, formatId, sampledAt, uri: "ipfs://x" });
    return signRecord({
      account: device,
      domain: signDomain,
      record,
      deadline: (await now()) + 3600,
      epoch: 0, // the device's source is registered once and never changes state
    });
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

  async function relay(operation: SignedOperation): Promise<Receipt> {
    await (
      await ledger.connect(relayer).getFunction("submitRecordBySig")(
        operation.source,
        operation.record,
        operation.deadline,
        operation.signature,
      )
    ).wait();
    return {
      recordId: recordId(operation.source, operation.record),
      dataHash: operation.record.dataHash,
      kind: "record",
      operation,
    };
  }

  before(async () => {
    const [admin, operator, gatewaySigner, owner, relayerSigner] = await ethers.getSigners();
    gateway = gatewaySigner;
    relayer = relayerSigner;
    ledger = await ethers.deployContract("DataLedger", [admin.address, ADMIN_DELAY]);
    ledgerAddress = (await ledger.getAddress()) as Hex;
    const asOperator = ledger.connect(operator);
    await ledger.connect(admin).getFunction("grantRole")(
      await ledger.getFunction("OPERATOR_ROLE")(),
      operator,
    );
    await asOperator.getFunction("grantRole")(await ledger.getFunction("GATEWAY_ROLE")(), gateway);
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

  describe("a malformed receipt names its field", () => {
    const payload = { station: "M1", pm25: 1 };
    let good: Receipt;

    before(async () => {
      good = buildBlock([await sign(payload)]).receipt(0);
    });

    const withOperation = (change: Record<string, unknown>) => ({
      ...good,
      operation: { ...good.operation, ...change },
    });
    const withRecord = (change: Record<string, unknown>) => ({
      ...good,
      operation: { ...good.operation, record: { ...good.operation.record, ...change } },
    });
    const word = (byte: string) => `0x${byte.repeat(32)}`;
    const cases: [string, () => unknown, string][] = [
      ["null", () => null, "receipt"],
      ["a string", () => "receipt", "receipt"],
      ["another kind", () => ({ ...good, kind: "relayed" }), "kind"],
      ["a 31-byte record id", () => ({ ...good, recordId: `0x${"ab".repeat(31)}` }), "recordId"],
      [
        "a record id that is no hex",
        () => ({ ...good, recordId: `0x${"zz".repeat(32)}` }),
        "recordId",
      ],
      [
        "a record id of 32 characters, no hex",
        () => ({ ...good, recordId: "x".repeat(32) }),
        "recordId",
      ],
      ["a data hash that is no hex", () => ({ ...good, dataHash: word("gg") }), "dataHash"],
      // The patterns are anchored: junk before or after a well-formed value is no value.
      ["a data hash after junk", () => ({ ...good, dataHash: `zz${good.dataHash}` }), "dataHash"],
      ["a data hash before junk", () => ({ ...good, dataHash: `${good.dataHash}zz` }), "dataHash"],
      ["a null operation", () => ({ ...good, operation: null }), "operation"],
      ["an operation that is a string", () => ({ ...good, operation: "op" }), "operation"],
      ["a short source", () => withOperation({ source: "0x1234" }), "operation.source"],
      [
        "a source in an array",
        () => withOperation({ source: [device.address] }),
        "operation.source",
      ],
      ["a deadline past uint48", () => withOperation({ deadline: 2 ** 48 }), "operation.deadline"],
      [
        "a signature that is no hex",
        () => withOperation({ signature: "0xzz" }),
        "operation.signature",
      ],
      [
        "a signature of an odd number of hex digits",
        () => withOperation({ signature: "0xabc" }),
        "operation.signature",
      ],
      [
        "a signature after junk",
        () => withOperation({ signature: `zz${good.operation.signature}` }),
        "operation.signature",
      ],
      ["a null record", () => withOperation({ record: null }), "operation.record"],
      ["a record that is a string", () => withOperation({ record: "record" }), "operation.record"],
      [
        "a record data hash that is short",
        () => withRecord({ dataHash: "0x12" }),
        "operation.record.dataHash",
      ],
      [
        "a format id that is short",
        () => withRecord({ formatId: "0x12" }),
        "operation.record.formatId",
      ],
      [
        "a metadata hash that is short",
        () => withRecord({ metadataHash: "0x12" }),
        "operation.record.metadataHash",
      ],
      [
        "a sampledAt past uint48",
        () => withRecord({ sampledAt: 2 ** 48 }),
        "operation.record.sampledAt",
      ],
      ["a uri that is a number", () => withRecord({ uri: 5 }), "operation.record.uri"],
      ["a block id that is short", () => ({ ...good, blockId: "0x12" }), "blockId"],
      ["no block id", () => ({ ...good, blockId: undefined }), "blockId"],
      ["a root that is short", () => ({ ...good, root: "0x12" }), "root"],
      ["a leaf index below zero", () => ({ ...good, leafIndex: -1 }), "leafIndex"],
      ["a leaf index that is a fraction", () => ({ ...good, leafIndex: 0.5 }), "leafIndex"],
      ["a leaf index past uint32", () => ({ ...good, leafIndex: 2 ** 32 }), "leafIndex"],
      ["no leaf index", () => ({ ...good, leafIndex: undefined }), "leafIndex"],
      ["a proof with one bad element", () => ({ ...good, proof: [word("ab"), "0x12"] }), "proof"],
    ];
    for (const [what, receipt, field] of cases) {
      it(`${what}: RECEIPT_MALFORMED for ${field}`, async () => {
        const error = await expectCode(
          verifyReceipt({
            payload,
            receipt: receipt() as Receipt,
            publicClient,
            ledgerAddress,
          }),
          "RECEIPT_MALFORMED",
        );
        expect(error.details).to.deep.equal({ field });
        expect((error as unknown as { shortMessage: string }).shortMessage).to.equal(
          `Receipt field ${field} is missing or malformed`,
        );
      });
    }

    it("takes uint48 bounds as the ledger does: 0 and 2^48 - 1 are well formed", async () => {
      // Well formed, so refused further on: the relayed record's id ignores the deadline, its
      // signature does not.
      const relayedLike = { ...good, kind: "record" as const, root: undefined, proof: undefined };
      for (const deadline of [0, 2 ** 48 - 1]) {
        await expectCode(
          verifyReceipt({
            payload,
            receipt: { ...relayedLike, operation: { ...good.operation, deadline } },
            publicClient,
            ledgerAddress,
          }),
          "RECEIPT_SIGNATURE_INVALID",
        );
      }
    });

    it("reads a source key in lower case, and refuses one whose EIP-55 checksum is wrong", async () => {
      const block = buildBlock([await sign({ station: "M2" })]);
      await anchor(block);
      const receipt = block.receipt(0);
      const withSource = (source: string) => ({
        ...receipt,
        operation: { ...receipt.operation, source: source as Hex },
      });
      const lower = await verifyReceipt({
        payload: { station: "M2" },
        receipt: withSource(receipt.operation.source.toLowerCase()),
        publicClient,
        ledgerAddress,
      });
      expect(lower.source).to.equal(device.address);
      // Every letter's case flipped: the right key, the wrong checksum.
      const flipped = `0x${[...receipt.operation.source.slice(2)]
        .map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))
        .join("")}`;
      const error = await expectCode(
        verifyReceipt({
          payload: { station: "M2" },
          receipt: withSource(flipped),
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_MALFORMED",
      );
      expect(error.details).to.deep.equal({ field: "operation.source" });
    });
  });

  describe("data block refusals carry what was checked", () => {
    const payload = { station: "D1", pm25: 3 };
    let block: ReturnType<typeof buildBlock>;

    before(async () => {
      block = buildBlock([await sign(payload), await sign({ station: "D1", pm25: 4 })]);
      await anchor(block);
    });

    it("RECEIPT_PROOF_INVALID names the block id, the root, the leaf and its index", async () => {
      const receipt = block.receipt(0);
      const error = await expectCode(
        verifyReceipt({
          payload,
          receipt: { ...receipt, proof: [keccak256(toBytes("other"))] },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_PROOF_INVALID",
      );
      expect(error.details).to.deep.equal({
        blockId: block.blockId,
        root: block.root,
        leaf: block.tree.leaves[0],
        leafIndex: 0,
      });
    });

    it("RECEIPT_LEAF_INDEX_INVALID names the block, the index, its count and the proof's length", async () => {
      const receipt = block.receipt(1);
      const error = await expectCode(
        verifyReceipt({
          payload: { station: "D1", pm25: 4 },
          receipt: { ...receipt, leafIndex: 2 },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_LEAF_INDEX_INVALID",
      );
      expect(error.details).to.deep.equal({
        blockId: block.blockId,
        leafIndex: 2,
        count: 2,
        proofLength: 1,
      });
      // The count is the boundary: the last operation's index is in, the next is out.
      const short = await expectCode(
        verifyReceipt({
          payload,
          receipt: { ...block.receipt(0), proof: [] },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_LEAF_INDEX_INVALID",
      );
      expect(short.details).to.include({ leafIndex: 0, proofLength: 0 });
    });

    it("judges the signature under the chain id the ledger records for the block", async () => {
      // The block's chainId is what the signature is checked against, not the RPC's chain id:
      // a ledger answering another one refuses the honest signature, an RPC lying about
      // eth_chainId changes nothing.
      const otherChain = lyingClient({
        getDataBlock: (view) => ({ ...(view as object), chainId: 1n }),
      });
      const error = await expectCode(
        verifyReceipt({
          payload,
          receipt: block.receipt(0),
          publicClient: otherChain,
          ledgerAddress,
        }),
        "RECEIPT_SIGNATURE_INVALID",
      );
      expect(error.details).to.deep.equal({ source: device.address });
      const lyingChainId = createPublicClient({
        transport: custom({
          request: ({ method, params }: { method: string; params?: unknown }) =>
            method === "eth_chainId"
              ? Promise.resolve("0x1")
              : provider.request({ method, params: params as unknown[] }),
        }),
      });
      const verified = await verifyReceipt({
        payload,
        receipt: block.receipt(0),
        publicClient: lyingChainId,
        ledgerAddress,
      });
      expect(verified.chainId).to.equal(domain.chainId);
    });

    it("RECEIPT_SIGNATURE_INVALID names the source", async () => {
      // A block anchored with an operation signed for another ledger: its proof holds, its
      // signature is not this ledger's.
      const elsewhere = ledgerDomain(domain.chainId, getAddress(`0x${"11".repeat(20)}`));
      const foreign = buildBlock([await sign({ station: "D2" }, { signDomain: elsewhere })]);
      await anchor(foreign);
      const error = await expectCode(
        verifyReceipt({
          payload: { station: "D2" },
          receipt: foreign.receipt(0),
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_SIGNATURE_INVALID",
      );
      expect(error.details).to.deep.equal({ source: device.address });
    });

    it("RECEIPT_NOT_ON_CHAIN for a block never anchored says so, with its id", async () => {
      const never = buildBlock([await sign({ station: "D3" })]);
      const error = await expectCode(
        verifyReceipt({
          payload: { station: "D3" },
          receipt: never.receipt(0),
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_NOT_ON_CHAIN",
      );
      expect(error.message).to.contain("No data block with this id is anchored");
      expect(error.details).to.deep.equal({ blockId: never.blockId });
    });

    it("RECEIPT_NOT_ON_CHAIN when the ledger does not place the leaf, though the proof holds", async () => {
      const client = lyingClient({ verifyInclusion: () => false });
      const receipt = block.receipt(0);
      const error = await expectCode(
        verifyReceipt({ payload, receipt, publicClient: client, ledgerAddress }),
        "RECEIPT_NOT_ON_CHAIN",
      );
      expect(error.message).to.contain("The ledger does not place the leaf in the data block");
      expect(error.details).to.deep.equal({
        blockId: block.blockId,
        leaf: block.tree.leaves[0],
        leafIndex: 0,
      });
    });

    it("RECEIPT_OPERATION_DISPUTED names the block id and the leaf", async () => {
      const client = lyingClient({ isOperationDisputed: () => true });
      const error = await expectCode(
        verifyReceipt({ payload, receipt: block.receipt(0), publicClient: client, ledgerAddress }),
        "RECEIPT_OPERATION_DISPUTED",
      );
      expect(error.details).to.deep.equal({ blockId: block.blockId, leaf: block.tree.leaves[0] });
    });

    it("RECEIPT_OPERATION_CHALLENGEABLE names the judge's rule, or its number when unknown", async () => {
      const inactive = disputeReasons.indexOf("InactiveSource");
      const named = await expectCode(
        verifyReceipt({
          payload,
          receipt: block.receipt(0),
          publicClient: lyingClient({ verdict: () => [false, inactive] }),
          ledgerAddress,
        }),
        "RECEIPT_OPERATION_CHALLENGEABLE",
      );
      expect(named.message).to.contain(
        "The ledger's DataBlockJudge would strike the operation: InactiveSource",
      );
      expect(named.details).to.include({ reason: "InactiveSource", blockId: block.blockId });
      const unknown = await expectCode(
        verifyReceipt({
          payload,
          receipt: block.receipt(0),
          publicClient: lyingClient({ verdict: () => [false, 200] }),
          ledgerAddress,
        }),
        "RECEIPT_OPERATION_CHALLENGEABLE",
      );
      expect(unknown.message).to.contain("would strike the operation: 200");
      expect(unknown.details).to.include({ reason: 200 });
    });

    it("RECEIPT_NOT_ON_CHAIN when no contract answers at the ledger address", async () => {
      // Signed for an address with no code, so the signature holds and the first ledger read
      // finds nothing there.
      const empty = getAddress(`0x${"22".repeat(20)}`);
      const lonely = buildBlock([
        await sign({ station: "D4" }, { signDomain: ledgerDomain(domain.chainId, empty) }),
      ]);
      const error = await expectCode(
        verifyReceipt({
          payload: { station: "D4" },
          receipt: lonely.receipt(0),
          publicClient,
          ledgerAddress: empty,
        }),
        "RECEIPT_NOT_ON_CHAIN",
      );
      expect(error.message).to.contain("No DataLedger contract answers at this address");
    });
  });

  describe("relayed record refusals", () => {
    const payload = { station: "R1", pm10: 9 };
    let receipt: Receipt;

    before(async () => {
      receipt = await relay(await sign(payload, { sampledAt: 1_760_000_500 }));
    });

    it("RECEIPT_NOT_ON_CHAIN for a record never anchored says so, with its id", async () => {
      const never = await sign(payload, { sampledAt: 1_760_000_501 });
      const id = recordId(never.source, never.record);
      const error = await expectCode(
        verifyReceipt({
          payload,
          receipt: {
            recordId: id,
            dataHash: never.record.dataHash,
            kind: "record",
            operation: never,
          },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_NOT_ON_CHAIN",
      );
      expect(error.message).to.contain("No record with this id is anchored");
      expect(error.details).to.deep.equal({ recordId: id });
    });

    it("RECEIPT_SIGNATURE_INVALID for a relayed record signed for another ledger names the source", async () => {
      // The same reading signed in another ledger's domain: same record id, a signature this
      // ledger never checked.
      const elsewhere = ledgerDomain(domain.chainId, getAddress(`0x${"11".repeat(20)}`));
      const foreign = await sign(payload, { sampledAt: 1_760_000_500, signDomain: elsewhere });
      const error = await expectCode(
        verifyReceipt({
          payload,
          receipt: { ...receipt, operation: foreign },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_SIGNATURE_INVALID",
      );
      expect(error.details).to.deep.equal({ source: device.address });
    });

    it("RECEIPT_NOT_ON_CHAIN when the record the chain names has another format than the signed one", async () => {
      // The same key, reading and payload signed again under another format: the same record id,
      // a valid signature, but not the record the ledger holds.
      const other = await sign(payload, { sampledAt: 1_760_000_500, formatId: OTHER_FORMAT_ID });
      const error = await expectCode(
        verifyReceipt({
          payload,
          receipt: { ...receipt, operation: other },
          publicClient,
          ledgerAddress,
        }),
        "RECEIPT_NOT_ON_CHAIN",
      );
      expect(error.message).to.contain("The anchored record differs from the signed one");
      expect(error.details).to.deep.equal({ recordId: receipt.recordId });
    });

    it("RECEIPT_NOT_ON_CHAIN when the ledger answers another sampling time", async () => {
      const client = lyingClient({
        getRecord: (r) => ({ ...(r as object), sampledAt: 1_760_000_499 }),
      });
      const error = await expectCode(
        verifyReceipt({ payload, receipt, publicClient: client, ledgerAddress }),
        "RECEIPT_NOT_ON_CHAIN",
      );
      expect(error.message).to.contain("The anchored record differs from the signed one");
    });

    it("RECEIPT_NOT_ON_CHAIN when the ledger attributes the record to another source", async () => {
      const client = lyingClient({ getRecord: (r) => ({ ...(r as object), sourceId: 7n }) });
      const error = await expectCode(
        verifyReceipt({ payload, receipt, publicClient: client, ledgerAddress }),
        "RECEIPT_NOT_ON_CHAIN",
      );
      expect(error.message).to.contain("The anchored record belongs to another source");
      expect(error.details).to.deep.equal({
        recordId: receipt.recordId,
        source: device.address,
        sourceId: 1n,
        recordSourceId: 7n,
      });
    });

    it("RECEIPT_NOT_ON_CHAIN when the key is bound to no source, whatever the record says", async () => {
      const client = lyingClient({
        sourceIdOf: () => 0n,
        getRecord: (r) => ({ ...(r as object), sourceId: 0n }),
      });
      const error = await expectCode(
        verifyReceipt({ payload, receipt, publicClient: client, ledgerAddress }),
        "RECEIPT_NOT_ON_CHAIN",
      );
      expect(error.message).to.contain("The anchored record belongs to another source");
    });

    it("still verifies the record through the lying client's untouched reads", async () => {
      const result = await verifyReceipt({
        payload,
        receipt,
        publicClient: lyingClient({}),
        ledgerAddress,
      });
      expect(result.status).to.equal("active");
      expect(result.sourceId).to.equal(1n);
    });
  });
});
