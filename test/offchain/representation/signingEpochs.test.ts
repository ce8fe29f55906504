import { expect } from "chai";
import { network } from "hardhat";
import { createPublicClient, custom, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import {
  readSourceEpoch,
  signSourceKey,
  verifyReceipt,
  type Receipt,
} from "../../../offchain/sdk/index.js";
import {
  makeSubmission,
  postJson,
  readJson,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

// A source's signing epoch moves at every suspension, reactivation and key rotation; the ledger
// takes only signatures made in the current one, and so does the gateway, through R2D.

const connection = await network.create();
const publicClient = createPublicClient({ transport: custom(connection.provider) });

type Body = Awaited<ReturnType<typeof makeSubmission>>;

describe("offchain/representation: signing epochs at R2D", () => {
  let fx: RepresentationFixture;
  let gateway: Gateway;
  let seq = 0;
  const payload = () => ({ station: "epochs", pm25: 4.5, seq: seq++ });

  const post = (body: unknown) => postJson(gateway.app, "/v1/records", body);
  const state = async (recordId: Hex) =>
    (await gateway.app.request(`/v1/records/${recordId}`)).json() as Promise<{
      status: string;
      receipt?: Receipt;
      failure?: Record<string, unknown>;
    }>;
  async function expectError(res: Response, status: number, code: string) {
    const body = await readJson(res);
    expect(res.status, JSON.stringify(body)).to.equal(status);
    expect(body.error.code).to.equal(code);
    return body.error as { details: Record<string, unknown> };
  }
  /** Packs and sends whatever is accepted, and waits for the receipts. */
  async function anchorAll() {
    await gateway.batcher.tick(Date.now() + 120_000);
    await gateway.submitter.tick();
    await gateway.submitter.tick();
  }
  const epochOf = (source: Hex) =>
    readSourceEpoch({ publicClient, ledgerAddress: fx.ledgerAddress, source });

  before(async () => {
    fx = await setUpRepresentation(connection);
    gateway = await createGateway({
      ledgerAddress: fx.ledgerAddress,
      provider: fx.provider,
      signer: fx.gatewaySigner,
      blobStore: fx.blobStore,
      database: { url: "" },
      startLoops: false,
      onError: () => {},
      batch: { maxBlockSize: 16, maxWaitMs: 60_000 },
    });
  });
  after(() => gateway.close());

  it("refuses a record signed before a suspension and reactivation with SIGNATURE_STALE_EPOCH, and anchors it signed again in the new epoch", async () => {
    const { account, sourceId } = await fx.addDevice();
    expect(await epochOf(account.address)).to.equal(0);
    // Accepted in epoch 0, which also puts the key (and its epoch) in the gateway's cache.
    const warm = await makeSubmission(fx, payload(), { account });
    expect(warm.operation.epoch).to.equal(0);
    expect((await post(warm)).status).to.equal(202);

    const blockBody = await makeSubmission(fx, payload(), { account });
    const relayedBody = await makeSubmission(fx, payload(), { account, mode: "relayed" });
    await (await fx.asOperator.suspendSource(sourceId, 3)).wait();
    await (await fx.asOperator.reactivateSource(sourceId)).wait();
    expect(await epochOf(account.address)).to.equal(2);

    for (const body of [blockBody, relayedBody]) {
      const refused = await expectError(await post(body), 401, "SIGNATURE_STALE_EPOCH");
      expect(refused.details).to.include({ epoch: 0, current: 2 });
    }
    // In bulk, the same verdict per item.
    const bulk = await readJson(
      await postJson(gateway.app, "/v1/records/bulk", [blockBody, relayedBody]),
    );
    expect(bulk.results.map((r: { error?: { code: string } }) => r.error?.code)).to.deep.equal([
      "SIGNATURE_STALE_EPOCH",
      "SIGNATURE_STALE_EPOCH",
    ]);

    // The same records signed again in the current epoch are accepted and anchored.
    const again: Body[] = [];
    for (const body of [blockBody, relayedBody]) {
      const { record } = body.operation;
      const resigned = await makeSubmission(fx, body.payload, {
        account,
        sampledAt: record.sampledAt,
        ...(body.mode ? { mode: body.mode } : {}),
        epoch: 2,
      });
      expect(resigned.operation.record).to.deep.equal(record);
      const res = await post(resigned);
      expect(res.status, JSON.stringify(await readJson(res.clone()))).to.equal(202);
      again.push(resigned);
    }
    await anchorAll();
    for (const body of again) {
      const { operation } = body;
      const { recordId } = await readJson(await post(body));
      const { status, receipt } = await state(recordId);
      expect(status, body.mode ?? "block").to.equal("anchored");
      expect(receipt!.operation.epoch).to.equal(2);
      const verified = await verifyReceipt({
        payload: body.payload,
        receipt: receipt!,
        publicClient,
        ledgerAddress: fx.ledgerAddress,
      });
      expect(verified.kind).to.equal(body.mode === "relayed" ? "record" : "block");
      expect(verified.source).to.equal(operation.source);
    }
  });

  it("refuses the old epoch after a key rotation, for the new key too", async () => {
    const { account, sourceId } = await fx.addDevice();
    expect((await post(await makeSubmission(fx, payload(), { account }))).status).to.equal(202);
    const rotated = privateKeyToAccount(generatePrivateKey());
    await (
      await fx.asOperator.rotateSourceKey(
        sourceId,
        rotated.address,
        await signSourceKey({ account: rotated, owner: fx.deviceOwner as Hex, domain: fx.domain }),
      )
    ).wait();
    expect(await epochOf(rotated.address)).to.equal(1);
    const stale = await makeSubmission(fx, payload(), { account: rotated, epoch: 0 });
    const refused = await expectError(await post(stale), 401, "SIGNATURE_STALE_EPOCH");
    expect(refused.details).to.include({ epoch: 0, current: 1 });
    // An epoch ahead of the source's is no better.
    const ahead = await makeSubmission(fx, payload(), { account: rotated, epoch: 2 });
    await expectError(await post(ahead), 401, "SIGNATURE_STALE_EPOCH");
    expect((await post(await makeSubmission(fx, payload(), { account: rotated }))).status).to.equal(
      202,
    );
  });

  it("refuses an operation without an epoch, or with one outside uint32, with VALIDATION_FAILED", async () => {
    const body = await makeSubmission(fx, payload());
    const { epoch: _omitted, ...withoutEpoch } = body.operation;
    void _omitted;
    for (const operation of [
      withoutEpoch,
      { ...body.operation, epoch: -1 },
      { ...body.operation, epoch: 2 ** 32 },
      { ...body.operation, epoch: 1.5 },
      { ...body.operation, epoch: "0" },
      { ...body.operation, epoch: null },
    ]) {
      const error = await expectError(await post({ ...body, operation }), 400, "VALIDATION_FAILED");
      expect(JSON.stringify(error.details)).to.contain("/operation/epoch");
    }
    // A tampered epoch within range is a signature that no longer recovers.
    await expectError(
      await post({ ...body, operation: { ...body.operation, epoch: body.operation.epoch + 1 } }),
      401,
      "SIGNATURE_INVALID",
    );
    expect((await post(body)).status).to.equal(202);
  });

  it("fails, and does not retry, a relayed record whose epoch the source left before it was sent", async () => {
    const { account, sourceId } = await fx.addDevice();
    const body = await makeSubmission(fx, payload(), { account, mode: "relayed" });
    const { recordId } = await readJson(await post(body));
    // Between acceptance and the relaying transaction the source moves on twice.
    await (await fx.asOperator.suspendSource(sourceId, 1)).wait();
    await (await fx.asOperator.reactivateSource(sourceId)).wait();
    await anchorAll();
    const { status, failure } = await state(recordId);
    expect(status).to.equal("failed");
    expect(failure).to.deep.equal({ revert: "DataRegistryInvalidSignature" });
  });
});
