import { expect } from "chai";
import { network } from "hardhat";
import type { LocalAccount } from "viem";
import { createPublicClient, custom, toBytes, type Hex } from "viem";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import {
  recordId,
  verifyReceipt,
  type Receipt,
  type VerifyReceiptReturnType,
} from "../../../offchain/sdk/index.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import { expectCode } from "../../helpers/expectCode.js";
import {
  anchorOnChain,
  makeSubmission,
  postJson,
  readJson,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

const connection = await network.create();
const publicClient = createPublicClient({ transport: custom(connection.provider) });

/** A door sensor's format: `{"door":"open"|"closed"}`, the same payload over and over. */
const doorSchema = (title: string) =>
  JSON.stringify({
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title,
    type: "object",
    required: ["door"],
    // `at` lets a test make a payload (so a data hash) no other test holds.
    properties: { door: { enum: ["open", "closed"] }, at: { type: "integer" } },
    additionalProperties: false,
  });
const DOOR = { door: "closed" };
const T1 = 1_760_000_000;
const T2 = 1_760_000_060;
/** FORMAT_UNIQUE_DATA_HASHES in contracts/types/DataLedgerTypes.sol. */
const FORMAT_UNIQUE_DATA_HASHES = 1;

type Body = Awaited<ReturnType<typeof makeSubmission>>;

// A record is one source's statement about one reading: its id is recordIdOf(source, dataHash,
// sampledAt). These tests drive the gateway through R2D requests only and check the model end
// to end: accepted, anchored, and verified from payload + receipt + chain.
describe("offchain/representation: records keyed by source, data hash and sampling time", () => {
  let fx: RepresentationFixture;
  let gateway: Gateway;
  let doorFormat: Hex;
  let uniqueFormat: Hex;
  const devices: { account: LocalAccount; sourceId: bigint }[] = [];

  /** Registers a door format (flags as given) and allows every device to use it. */
  async function registerFormat(title: string, flags: number): Promise<Hex> {
    const formatId = (await fx.blobStore.put(toBytes(doorSchema(title)))) as Hex;
    await (
      await fx.asOperator.registerFormat(formatId, title, "1.0.0", `blob:${formatId}`, flags)
    ).wait();
    return formatId;
  }

  async function submit(body: Body) {
    const res = await postJson(gateway.app, "/v1/records", body);
    return { status: res.status, json: await readJson(res) };
  }

  async function accept(body: Body): Promise<Hex> {
    const { status, json } = await submit(body);
    expect(status, JSON.stringify(json)).to.equal(202);
    expect(json.recordId).to.equal(recordId(body.operation.source, body.operation.record));
    return json.recordId as Hex;
  }

  /** Packs and sends everything waiting; automine mines each transaction as it is sent. */
  async function anchorAll(): Promise<void> {
    await gateway.batcher.tick(Date.now() + 120_000);
    await gateway.submitter.tick();
    await gateway.submitter.tick();
  }

  async function state(id: Hex) {
    const res = await gateway.app.request(`/v1/records/${id}`);
    expect(res.status).to.equal(200);
    return (await res.json()) as {
      recordId: Hex;
      status: string;
      mode: "block" | "relayed";
      receipt?: Receipt;
      failure?: { revert?: string };
    };
  }

  /** The record is anchored, and its receipt verifies against the chain alone. */
  async function verified(id: Hex, body: Body): Promise<VerifyReceiptReturnType> {
    const { status, receipt } = await state(id);
    expect(status).to.equal("anchored");
    expect(receipt!.recordId).to.equal(id);
    expect(receipt!.dataHash).to.equal(body.operation.record.dataHash);
    const result = await verifyReceipt({
      payload: body.payload,
      receipt: receipt!,
      publicClient,
      ledgerAddress: fx.ledgerAddress,
    });
    expect(result.recordId).to.equal(id);
    return result;
  }

  before(async () => {
    fx = await setUpRepresentation(connection);
    devices.push({ account: fx.device, sourceId: fx.sourceId }, await fx.addDevice());
    doorFormat = await registerFormat("door", 0);
    uniqueFormat = await registerFormat("door-unique", FORMAT_UNIQUE_DATA_HASHES);
    for (const { sourceId } of devices) {
      await (
        await fx.asOperator.setSourceFormats(sourceId, [doorFormat, uniqueFormat], true)
      ).wait();
    }
    gateway = await createGateway({
      ledgerAddress: fx.ledgerAddress,
      provider: fx.provider,
      signer: fx.gatewaySigner,
      database: await openDatabase({ url: "" }),
      blobStore: fx.blobStore,
      startLoops: false,
      batch: { maxBlockSize: 64, maxWaitMs: 60_000 },
    });
  });

  after(async () => {
    await gateway.close();
    await gateway.db.close();
  });

  for (const mode of ["block", "relayed"] as const) {
    describe(`in ${mode} mode`, () => {
      // Each mode's records need their own readings: the first mode's are on-chain by then.
      const at = (t: number) => t + (mode === "block" ? 0 : 7);
      const [device, otherDevice] = [0, 1].map((i) => () => devices[i]);

      it("(a) one device reporting the same payload at two sampling times makes two records", async () => {
        const { account, sourceId } = device();
        const first = await makeSubmission(fx, DOOR, {
          account,
          formatId: doorFormat,
          sampledAt: at(T1),
          mode,
        });
        const second = await makeSubmission(fx, DOOR, {
          account,
          formatId: doorFormat,
          sampledAt: at(T2),
          mode,
        });
        expect(second.operation.record.dataHash).to.equal(first.operation.record.dataHash);
        const ids = [await accept(first), await accept(second)];
        expect(ids[0]).to.not.equal(ids[1]);
        await anchorAll();
        for (const [i, body] of [first, second].entries()) {
          const result = await verified(ids[i], body);
          expect(result.sourceId).to.equal(sourceId);
          expect(result.kind).to.equal(mode === "block" ? "block" : "record");
        }
      });

      it("(b) two devices reporting the same payload make two records, each attributed to its source", async () => {
        const bodies = await Promise.all(
          devices.map(({ account }) =>
            makeSubmission(fx, DOOR, {
              account,
              formatId: doorFormat,
              sampledAt: at(T1) + 1,
              mode,
            }),
          ),
        );
        const ids = [await accept(bodies[0]), await accept(bodies[1])];
        expect(ids[0]).to.not.equal(ids[1]);
        await anchorAll();
        for (const [i, body] of bodies.entries()) {
          expect((await verified(ids[i], body)).sourceId).to.equal(devices[i].sourceId);
        }
        if (mode === "relayed") {
          for (const [i, id] of ids.entries()) {
            expect((await fx.ledger.getRecord(id)).sourceId).to.equal(devices[i].sourceId);
          }
        }
      });

      it("(c) a source cannot squat another's reading: B anchoring A's data hash first leaves A's record A's", async () => {
        // B anchors, straight on-chain (as another gateway would), the very reading A is about
        // to report: same payload, same sampling time.
        const squat = await makeSubmission(fx, DOOR, {
          account: otherDevice().account,
          formatId: doorFormat,
          sampledAt: at(T1) + 2,
          mode: "relayed",
        });
        await anchorOnChain(fx, squat);
        const squatId = recordId(squat.operation.source, squat.operation.record);
        expect((await fx.ledger.getRecord(squatId)).sourceId).to.equal(otherDevice().sourceId);

        const own = await makeSubmission(fx, DOOR, {
          account: device().account,
          formatId: doorFormat,
          sampledAt: at(T1) + 2,
          mode,
        });
        const id = await accept(own);
        expect(id).to.not.equal(squatId);
        await anchorAll();
        expect((await verified(id, own)).sourceId).to.equal(device().sourceId);
        // B's squat is B's own record, and names B.
        expect((await fx.ledger.getRecord(squatId)).sourceId).to.equal(otherDevice().sourceId);
      });

      it("(d) an exact retry of the same signed record stays idempotent: same id, one record", async () => {
        const body = await makeSubmission(fx, DOOR, {
          account: device().account,
          formatId: doorFormat,
          sampledAt: at(T1) + 3,
          mode,
        });
        const id = await accept(body);
        const retry = await submit(body);
        expect(retry.status).to.equal(200);
        expect(retry.json).to.deep.equal({ recordId: id, status: "accepted", mode });
        await anchorAll();
        await verified(id, body);
        const again = await submit(body);
        expect(again.status).to.equal(200);
        expect(again.json).to.deep.equal({ recordId: id, status: "anchored", mode });
        const rows = await gateway.db.query<{ n: number }>(
          "select count(*)::int as n from gateway_records where record_id = $1",
          [id],
        );
        expect(rows[0].n).to.equal(1);
        if (mode === "relayed") {
          const events = await fx.ledger.queryFilter(fx.ledger.filters.RecordAnchored(id));
          expect(events).to.have.length(1);
        }
      });
    });
  }

  it("(e) verifyReceipt refuses a gateway receipt whose recordId is not its operation's", async () => {
    const body = await makeSubmission(fx, DOOR, {
      account: devices[0].account,
      formatId: doorFormat,
      sampledAt: T1 + 4,
    });
    const id = await accept(body);
    await anchorAll();
    const { receipt } = await state(id);
    for (const wrong of [
      receipt!.dataHash,
      recordId(devices[1].account.address, body.operation.record),
      recordId(body.operation.source, { ...body.operation.record, sampledAt: T1 + 5 }),
    ]) {
      await expectCode(
        verifyReceipt({
          payload: body.payload,
          receipt: { ...receipt!, recordId: wrong },
          publicClient,
          ledgerAddress: fx.ledgerAddress,
        }),
        "RECEIPT_RECORD_ID_MISMATCH",
      );
    }
  });

  describe("a format with unique data hashes", () => {
    const OPEN = { door: "open" };

    it("refuses a second holder of a held data hash with DATA_HASH_HELD, in either mode, until the holder is revoked", async () => {
      const [a, b] = devices;
      const holder = await makeSubmission(fx, OPEN, {
        account: a.account,
        formatId: uniqueFormat,
        sampledAt: T1,
        mode: "relayed",
      });
      const holderId = await accept(holder);
      await anchorAll();
      await verified(holderId, holder);
      expect(
        (await fx.ledger.dataHashHolder(holder.operation.record.dataHash)).toLowerCase(),
      ).to.equal(holderId);

      // Another source, or the same source at another sampling time: another reading, refused.
      const rivals = [
        await makeSubmission(fx, OPEN, {
          account: b.account,
          formatId: uniqueFormat,
          sampledAt: T1,
          mode: "relayed",
        }),
        await makeSubmission(fx, OPEN, {
          account: b.account,
          formatId: uniqueFormat,
          sampledAt: T1,
        }),
        await makeSubmission(fx, OPEN, {
          account: a.account,
          formatId: uniqueFormat,
          sampledAt: T2,
          mode: "relayed",
        }),
      ];
      for (const rival of rivals) {
        const { status, json } = await submit(rival);
        expect(status, JSON.stringify(json)).to.equal(409);
        expect(json.error.code).to.equal("DATA_HASH_HELD");
        expect(json.error.details).to.deep.include({
          dataHash: holder.operation.record.dataHash,
          recordId: holderId,
          sourceId: a.sourceId.toString(),
        });
      }
      // The holder's own retry is still the idempotent retry.
      expect((await submit(holder)).status).to.equal(200);

      // Once the holder is revoked the hash is free again.
      await (await fx.asOperator.revokeRecord(holderId, 1)).wait();
      const next = await accept(rivals[0]);
      await anchorAll();
      expect((await verified(next, rivals[0])).sourceId).to.equal(b.sourceId);
    });

    it("lets the chain decide between two relayed holders accepted at once: the second fails with DataRegistryDataHashHeld", async () => {
      const payload = { door: "closed" };
      const [a, b] = devices;
      const first = await makeSubmission(fx, payload, {
        account: a.account,
        formatId: uniqueFormat,
        sampledAt: T2 + 1,
        mode: "relayed",
      });
      const second = await makeSubmission(fx, payload, {
        account: b.account,
        formatId: uniqueFormat,
        sampledAt: T2 + 1,
        mode: "relayed",
      });
      // Neither is on-chain yet, so both pass the gateway's check.
      const ids = [await accept(first), await accept(second)];
      await anchorAll();
      const states = await Promise.all(ids.map(state));
      expect(states.map((s) => s.status).sort()).to.deep.equal(["anchored", "failed"]);
      const failed = states.find((s) => s.status === "failed")!;
      expect(failed.failure).to.deep.equal({ revert: "DataRegistryDataHashHeld" });
      const winner = states.findIndex((s) => s.status === "anchored");
      await verified(ids[winner], [first, second][winner]);
    });

    it("sends block-mode submissions of such a format relayed, so the one-holder rule holds on-chain", async () => {
      // In a data block neither would hold the hash and the judge would strike both
      // (UniqueDataHashFormat); relayed, the chain lets exactly one of them hold it.
      const payload = { door: "open", at: 3 };
      const [a, b] = devices;
      const asked = await Promise.all(
        [a, b].map((device) =>
          makeSubmission(fx, payload, {
            account: device.account,
            formatId: uniqueFormat,
            sampledAt: T2 + 2,
          }),
        ),
      );
      const ids = [await accept(asked[0]), await accept(asked[1])];
      expect(await gateway.batcher.tick(Date.now() + 120_000)).to.deep.equal([]);
      await anchorAll();
      const states = await Promise.all(ids.map(state));
      expect(states.map((s) => s.mode)).to.deep.equal(["relayed", "relayed"]);
      expect(states.map((s) => s.status).sort()).to.deep.equal(["anchored", "failed"]);
      const winner = states.findIndex((s) => s.status === "anchored");
      expect(states[winner].receipt!.kind).to.equal("record");
      expect(
        (await fx.ledger.dataHashHolder(asked[0].operation.record.dataHash)).toLowerCase(),
      ).to.equal(ids[winner]);
      await verified(ids[winner], asked[winner]);
    });
  });
});
