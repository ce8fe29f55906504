import { expect } from "chai";
import { BrowserProvider, type Eip1193Provider } from "ethers";
import { network } from "hardhat";
import { keccak256, toHex } from "viem";

import { AnchoredRecordFilter } from "../../../offchain/representation/accept/AnchoredRecordFilter.js";
import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import { findAnchoredRecords } from "../../../offchain/representation/accept/findAnchoredRecords.js";
import type { NormalizedSubmission } from "../../../offchain/representation/accept/normalizeSubmission.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import { DataLedger__factory } from "../../../types/ethers-contracts/index.js";
import {
  anchorOnChain,
  makeSubmission,
  postJson,
  readJson,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

const connection = await network.create();

const hash = (label: string | number) => keccak256(toHex(String(label)));

describe("offchain/representation: anchored-record filter", () => {
  describe("AnchoredRecordFilter", () => {
    it("holds every hash added (no false negatives) and few it was not given", () => {
      const filter = new AnchoredRecordFilter();
      for (let i = 0; i < 10_000; i++) filter.add(hash(i));
      for (let i = 0; i < 10_000; i++) expect(filter.mayHold(hash(i)), `hash ${i}`).to.equal(true);
      let falsePositives = 0;
      for (let i = 10_000; i < 60_000; i++) if (filter.mayHold(hash(i))) falsePositives++;
      // (1 - e^(-7 · 10,000 / 2^24))^7 ≈ 4e-15: any hit here means the probes are broken.
      expect(falsePositives).to.equal(0);
      expect(filter.size).to.equal(10_000);
    });

    it("answers only for blocks it covers", () => {
      const filter = new AnchoredRecordFilter();
      expect(filter.covers(0)).to.equal(false);
      filter.add(hash("a"));
      filter.coveredTo = 12;
      expect(filter.covers(12)).to.equal(true);
      expect(filter.covers(13)).to.equal(false);
    });

    it("refuses a key that is not a 32-byte hash", () => {
      expect(() => new AnchoredRecordFilter().add("0x1234")).to.throw(TypeError);
    });
  });

  describe("findAnchoredRecords with a filter", () => {
    // A ledger whose chain answers "source 7" for every hash it is asked about, and logs the asks.
    const asked: number[] = [];
    const calldata: string[] = [];
    const runner = {
      provider: null,
      call: async ({ data }: { data: string }) => {
        const count = Number(BigInt(`0x${data.slice(10 + 64, 10 + 128)}`));
        asked.push(count);
        calldata.push(data);
        const word = (n: number) => n.toString(16).padStart(64, "0");
        return `0x${word(32)}${word(count)}${word(7).repeat(count)}`;
      },
    };
    const ledger = DataLedger__factory.connect(
      "0x00000000000000000000000000000000000000d1",
      runner as never,
    );
    // Record ids are not data hashes (they name the source and sampling time too): the filter
    // and the chain are asked about record ids.
    const submission = (label: string) =>
      ({
        recordId: hash(`record-id-${label}`),
        operation: { record: { dataHash: hash(label) } },
      }) as NormalizedSubmission;
    const [a, b, c] = ["a", "b", "c"].map(submission);

    beforeEach(() => {
      asked.length = 0;
      calldata.length = 0;
    });

    it("asks the chain only about the hashes a covering filter may hold", async () => {
      const filter = new AnchoredRecordFilter();
      filter.add(b.recordId);
      filter.coveredTo = 10;
      const found = await findAnchoredRecords(ledger, [a, b, c], 10, filter);
      expect(asked).to.deep.equal([1]);
      expect(calldata[0].endsWith(b.recordId.slice(2))).to.equal(true);
      expect([...found.keys()]).to.deep.equal([b.recordId]);
      expect(found.get(b.recordId)?.code).to.equal("DUPLICATE_RECORD");
    });

    it("makes no call when a covering filter holds none of them", async () => {
      const filter = new AnchoredRecordFilter();
      filter.coveredTo = 10;
      expect((await findAnchoredRecords(ledger, [a, b, c], 10, filter)).size).to.equal(0);
      expect(asked).to.deep.equal([]);
    });

    it("asks about every hash at a block the filter does not cover yet", async () => {
      const filter = new AnchoredRecordFilter();
      filter.coveredTo = 9;
      expect((await findAnchoredRecords(ledger, [a, b, c], 10, filter)).size).to.equal(3);
      expect(asked).to.deep.equal([3]);
    });
  });

  describe("kept by the gateway's registry sync", () => {
    let fx: RepresentationFixture;
    let gateway: Gateway | undefined;
    let seq = 0;
    const ethCalls: string[] = [];

    before(async () => {
      fx = await setUpRepresentation(connection);
    });

    afterEach(async () => {
      await gateway?.close();
      await gateway?.db.close();
      gateway = undefined;
    });

    // A gateway whose provider counts the eth_call requests it makes.
    const startGateway = async () => {
      const counting: Eip1193Provider = {
        request: (args) => {
          if (args.method === "eth_call") ethCalls.push(args.method);
          return connection.provider.request(args as never);
        },
      };
      gateway = await createGateway({
        ledgerAddress: fx.ledgerAddress,
        provider: new BrowserProvider(counting, undefined, { cacheTimeout: -1 }),
        signer: fx.gatewaySigner,
        database: await openDatabase({ url: "" }),
        blobStore: fx.blobStore,
        startLoops: false,
      });
      return gateway;
    };
    const submit = async (body: unknown) => {
      const res = await postJson(gateway!.app, "/v1/records", body);
      return { status: res.status, body: await readJson(res) };
    };

    it("finds records anchored before the gateway started, and after a gap beyond one log read", async () => {
      const early = await makeSubmission(fx, { station: "F1", pm25: 1, seq: seq++ });
      await anchorOnChain(fx, early);
      const gw = await startGateway();
      const first = await submit(early);
      expect(first.status).to.equal(409);
      expect(first.body.error.code).to.equal("DUPLICATE_RECORD");
      expect(first.body.error.details.sourceId).to.equal(fx.sourceId.toString());

      // More blocks than one log read spans (2,000), with a record anchored at the end.
      await connection.provider.request({ method: "hardhat_mine", params: ["0x834"] });
      const late = await makeSubmission(fx, { station: "F1", pm25: 2, seq: seq++ });
      await anchorOnChain(fx, late);
      expect((await submit(late)).body.error.code).to.equal("DUPLICATE_RECORD");

      // And one anchored in the very next block, read by the ordinary sync.
      const next = await makeSubmission(fx, { station: "F1", pm25: 3, seq: seq++ });
      await anchorOnChain(fx, next);
      expect((await submit(next)).body.error.code).to.equal("DUPLICATE_RECORD");
      expect(await gw.db.query("select 1 from gateway_records")).to.have.length(0);
    });

    it("reads a rewound chain again, even once it has grown past the block last synced", async () => {
      const gw = await startGateway();
      const device = await fx.addDevice();
      const reading = (station: string, account = fx.device) =>
        makeSubmission(fx, { station, pm25: 1, seq: seq++ }, { account });
      const snapshot = await connection.provider.request({ method: "evm_snapshot" });
      await connection.provider.request({ method: "hardhat_mine", params: ["0x1"] });
      // Synced at the mined block, with the device's key cached as active.
      expect((await submit(await reading("F3", device.account))).status).to.equal(202);

      await connection.provider.request({ method: "evm_revert", params: [snapshot] });
      // The other branch: a record anchored and the device suspended, one block more than the
      // branch the gateway saw, so the head number alone shows no rewind.
      const late = await reading("F3");
      await anchorOnChain(fx, late);
      await (await fx.asOperator.suspendSource(device.sourceId, 7)).wait();

      expect((await submit(late)).body.error.code).to.equal("DUPLICATE_RECORD");
      expect((await submit(await reading("F3", device.account))).body.error.code).to.equal(
        "SOURCE_INACTIVE",
      );
      expect(await gw.db.query("select 1 from gateway_records")).to.have.length(1);
    });

    it("accepts a new record without asking the chain about its hash", async () => {
      const gw = await startGateway();
      // The first record warms the registry reads (source key, format, permission).
      expect(
        (await submit(await makeSubmission(fx, { station: "F2", pm25: 1, seq: seq++ }))).status,
      ).to.equal(202);
      ethCalls.length = 0;
      const res = await postJson(gw.app, "/v1/records/bulk", [
        await makeSubmission(fx, { station: "F2", pm25: 2, seq: seq++ }),
        await makeSubmission(fx, { station: "F2", pm25: 3, seq: seq++ }),
      ]);
      expect(res.status).to.equal(200);
      const verdicts = (await readJson(res)).results as { status?: string }[];
      expect(verdicts.map((v) => v.status)).to.deep.equal(["accepted", "accepted"]);
      expect(ethCalls).to.deep.equal([]);
    });
  });
});
