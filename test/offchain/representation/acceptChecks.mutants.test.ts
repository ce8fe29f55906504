// Tests written against the mutants Stryker left alive in the gateway's accept checks
// (validateSubmission.ts, normalizeSubmission.ts, acceptSubmissions.ts; npm run test:mutation):
// each refusal's message and details as a device reads them, not only its code; a retry's status
// shared by its copies; the chain failing mid-request; and validateSubmission on its own, with
// its in-thread signature check and its own on-chain duplicate check.
import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { AnchoredRecordFilter } from "../../../offchain/representation/accept/AnchoredRecordFilter.js";
import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import { FormatSchemaCache } from "../../../offchain/representation/accept/FormatSchemaCache.js";
import { normalizeSubmission } from "../../../offchain/representation/accept/normalizeSubmission.js";
import { SubmissionSchema } from "../../../offchain/representation/http/schemas.js";
import { SourceRegistryCache } from "../../../offchain/representation/accept/SourceRegistryCache.js";
import {
  signatureVerifier,
  validateSubmission,
  type ValidationContext,
} from "../../../offchain/representation/accept/validateSubmission.js";
import { recordId } from "../../../offchain/sdk/index.js";
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

describe("offchain/representation: accept checks, refusal by refusal", () => {
  let fx: RepresentationFixture;
  let gateway: Gateway;
  let seq = 0;
  const payload = (extra: Record<string, unknown> = {}) => ({
    station: "mut",
    pm25: 1.5,
    seq: seq++,
    ...extra,
  });

  before(async () => {
    fx = await setUpRepresentation(connection);
    gateway = await createGateway({
      ledgerAddress: fx.ledgerAddress,
      provider: fx.provider,
      signer: fx.gatewaySigner,
      database: await openDatabase({ url: "" }),
      blobStore: fx.blobStore,
      startLoops: false,
      limits: { maxBodyBytes: 64 * 1024, maxPayloadBytes: 4 * 1024, maxBulkItems: 20 },
    });
  });

  after(async () => {
    await gateway.close();
    await gateway.db.close();
  });

  /** The error of a single submission: its code, message and details. */
  async function refusal(body: unknown) {
    const json = await readJson(await postJson(gateway.app, "/v1/records", body));
    expect(json.error, JSON.stringify(json)).to.be.an("object");
    return json.error as { code: string; message: string; details: Record<string, unknown> };
  }

  it("normalizeSubmission: no canonical form, too large, another hash", async () => {
    const valid = await makeSubmission(fx, payload());
    // 1e400 parses to Infinity, which has no canonical JSON form.
    const body = JSON.stringify(valid).replace(/"pm25":1.5/, '"pm25":1e400');
    expect(await refusal(body)).to.deep.include({
      code: "MALFORMED_JSON",
      message: "Payload has no canonical JSON form",
      details: { field: "/payload" },
    });
    const big = await makeSubmission(fx, payload({ station: "x".repeat(5_000) }));
    const tooLarge = await refusal(big);
    expect(tooLarge).to.deep.include({
      code: "PAYLOAD_TOO_LARGE",
      message: "Payload exceeds the gateway's limit",
    });
    expect(tooLarge.details).to.deep.equal({
      size: Buffer.byteLength(JSON.stringify(big.payload)),
      limit: 4 * 1024,
    });
    const mismatch = await refusal({ ...valid, payload: { ...valid.payload, pm25: 2 } });
    expect(mismatch).to.deep.include({
      code: "DATA_HASH_MISMATCH",
      message: "The payload's canonical hash is not record.dataHash",
    });
    expect(mismatch.details.expected).to.equal(valid.operation.record.dataHash.toLowerCase());
    expect(mismatch.details.actual).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("validateSubmission: signature, source and format refusals say what they checked", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    const forged = await makeSubmission(fx, payload(), { account: stranger });
    expect(
      await refusal({ ...forged, operation: { ...forged.operation, source: fx.device.address } }),
    ).to.deep.include({
      code: "SIGNATURE_INVALID",
      message: "Signature does not recover to the claimed source for this ledger",
      details: { source: fx.device.address },
    });
    const expired = await refusal(
      await makeSubmission(fx, payload(), { deadline: (await fx.now()) - 1 }),
    );
    expect(expired).to.deep.include({
      code: "SIGNATURE_EXPIRED",
      message: "Signature expires before it can be anchored",
    });
    expect(await refusal(forged)).to.deep.include({
      code: "SOURCE_UNKNOWN",
      message: "The signing key is bound to no source",
      details: { source: stranger.address },
    });

    const { account, sourceId } = await fx.addDevice();
    await (await fx.asOperator.suspendSource(sourceId, 7)).wait();
    expect(await refusal(await makeSubmission(fx, payload(), { account }))).to.deep.include({
      code: "SOURCE_INACTIVE",
      message: "The source is suspended or revoked, or this key was rotated away",
      details: { source: account.address, sourceId: sourceId.toString() },
    });

    const unknown = keccak256(toBytes("mutants-unknown"));
    expect(
      await refusal(await makeSubmission(fx, payload(), { formatId: unknown })),
    ).to.deep.include({
      code: "FORMAT_UNKNOWN",
      message: "No format is registered with this id",
      details: { formatId: unknown },
    });
    const notAllowed = keccak256(toBytes("mutants-not-allowed"));
    await (await fx.asOperator.registerFormat(notAllowed, "mut-na", "1", "file:none", 0)).wait();
    expect(
      await refusal(await makeSubmission(fx, payload(), { formatId: notAllowed })),
    ).to.deep.include({
      code: "FORMAT_NOT_ALLOWED",
      message: "The source may not submit this format",
      details: { formatId: notAllowed, sourceId: fx.sourceId.toString() },
    });
    const deprecated = keccak256(toBytes("mutants-deprecated"));
    await (await fx.asOperator.registerFormat(deprecated, "mut-dep", "1", "file:none", 0)).wait();
    await (await fx.asOperator.setSourceFormats(fx.sourceId, [deprecated], true)).wait();
    await (await fx.asOperator.deprecateFormat(deprecated)).wait();
    expect(
      await refusal(await makeSubmission(fx, payload(), { formatId: deprecated })),
    ).to.deep.include({
      code: "FORMAT_DEPRECATED",
      message: "The format is deprecated",
      details: { formatId: deprecated },
    });
  });

  it("validateSubmission: a schema violation names the pointer, keyword and message", async () => {
    const violation = await refusal(await makeSubmission(fx, payload({ pm25: "high" })));
    expect(violation).to.deep.include({
      code: "SCHEMA_VIOLATION",
      message: "Payload does not conform to the format",
    });
    expect(violation.details).to.deep.include({ pointer: "/pm25", formatId: fx.formatId });
    expect(violation.details.keyword).to.be.a("string").and.not.equal("");
    expect(violation.details.message).to.be.a("string").and.not.equal("");
  });

  it("acceptSubmissions: a second operation for one record names the record", async () => {
    const first = await makeSubmission(fx, payload({ station: "dup" }), {
      sampledAt: 1_760_000_777,
    });
    const second = await makeSubmission(fx, first.payload, {
      sampledAt: 1_760_000_777,
      uri: "ipfs://again",
    });
    const res = await postJson(gateway.app, "/v1/records/bulk", [first, second]);
    const { results } = await readJson(res);
    const id = recordId(first.operation.source, first.operation.record);
    expect(results[0]).to.include({ status: "accepted" });
    expect(results[1].error).to.deep.include({
      code: "DUPLICATE_RECORD",
      message:
        "The gateway already holds another submission of this source's record (same data hash and sampling time)",
      details: { recordId: id },
    });
  });

  it("acceptSubmissions: an identical copy in one request shares the first item's verdict, a refusal included", async () => {
    const expired = await makeSubmission(fx, payload(), { deadline: (await fx.now()) - 1 });
    const valid = await makeSubmission(fx, payload());
    const res = await postJson(gateway.app, "/v1/records/bulk", [expired, valid, expired, valid]);
    const { results } = await readJson(res);
    const verdicts = results.map((r: { error?: { code: string }; status?: string }) =>
      r.error ? r.error.code : r.status,
    );
    expect(verdicts).to.deep.equal([
      "SIGNATURE_EXPIRED",
      "accepted",
      "SIGNATURE_EXPIRED",
      "accepted",
    ]);
  });

  it("validateSubmission: a signature made in another epoch names both epochs", async () => {
    const stale = await refusal(await makeSubmission(fx, payload(), { epoch: 1 }));
    expect(stale).to.deep.equal({
      code: "SIGNATURE_STALE_EPOCH",
      message: "The signature was made in another signing epoch than the source's current one",
      details: { epoch: 1, current: 0, sourceId: fx.sourceId.toString() },
    });
  });

  it("acceptSubmissions: copies of a retry in one request all report the record's current status", async () => {
    const body = await makeSubmission(fx, payload({ station: "retry" }));
    const first = await postJson(gateway.app, "/v1/records", body);
    expect(first.status).to.equal(202);
    expect(await readJson(first)).to.include({ status: "accepted" });
    // The batcher packs it into a data block: its status moves on from "accepted".
    await gateway.batcher.tick(Date.now() + 120_000);
    const { results } = await readJson(
      await postJson(gateway.app, "/v1/records/bulk", [body, body]),
    );
    expect(
      results.map((r: { status?: string; error?: unknown }) => [r.status, r.error]),
    ).to.deep.equal([
      ["packed", undefined],
      ["packed", undefined],
    ]);
  });
});

describe("offchain/representation: accept checks when the chain node fails mid-request", () => {
  let fx: RepresentationFixture;
  let gateway: Gateway;
  let down = false;

  before(async () => {
    fx = await setUpRepresentation(connection);
    // The fixture's provider, except that getBlockNumber fails while `down`.
    const provider = new Proxy(fx.provider, {
      get(real, key) {
        if (key === "getBlockNumber" && down) {
          return () => Promise.reject(new Error("connect ECONNREFUSED 10.9.8.7:8545"));
        }
        const value = Reflect.get(real, key);
        return typeof value === "function" ? value.bind(real) : value;
      },
    });
    gateway = await createGateway({
      ledgerAddress: fx.ledgerAddress,
      provider,
      signer: fx.gatewaySigner,
      database: await openDatabase({ url: "" }),
      blobStore: fx.blobStore,
      startLoops: false,
    });
  });

  after(async () => {
    down = false;
    await gateway.close();
    await gateway.db.close();
  });

  it("answers 503 CHAIN_UNAVAILABLE, retryable, without the node's own error, and stores nothing", async () => {
    const body = await makeSubmission(fx, { station: "down", pm25: 2 });
    down = true;
    const res = await postJson(gateway.app, "/v1/records", body);
    const json = await readJson(res);
    expect(res.status).to.equal(503);
    expect(json.error).to.deep.equal({
      code: "CHAIN_UNAVAILABLE",
      message: "The ledger cannot be read right now",
      details: {},
    });
    expect(JSON.stringify(json)).not.to.contain("10.9.8.7");
    // Once the node answers again the same submission is stored, as new: nothing was before.
    down = false;
    const retry = await postJson(gateway.app, "/v1/records", body);
    expect(retry.status).to.equal(202);
    expect(await readJson(retry)).to.include({ status: "accepted" });
  });
});

describe("offchain/representation: validateSubmission on its own", () => {
  let fx: RepresentationFixture;
  let context: ValidationContext;
  let seq = 0;
  const parse = async (options: Parameters<typeof makeSubmission>[2] = {}) => {
    const raw = await makeSubmission(fx, { station: "alone", pm25: 3, seq: seq++ }, options);
    const body = SubmissionSchema.parse(raw);
    return { raw, body, normalized: normalizeSubmission(body, 4 * 1024) };
  };

  before(async () => {
    fx = await setUpRepresentation(connection);
    // No verifier: validateSubmission checks signatures with the domain's in-thread one.
    context = {
      domain: fx.domain,
      registry: new SourceRegistryCache(fx.ledger, fx.provider, {
        anchoredRecords: new AnchoredRecordFilter(),
      }),
      schemas: new FormatSchemaCache({ blobStore: fx.blobStore }),
      ledger: fx.ledger,
      minDeadlineMarginSec: 60,
    };
  });

  it("checks the signature in-thread, with one verifier per domain", async () => {
    const verifier = signatureVerifier(context);
    expect(signatureVerifier({ ...context })).to.equal(verifier);
    const { body, normalized } = await parse();
    expect(await verifier.verify(normalized.operation)).to.equal(true);
    const head = await fx.provider.getBlockNumber();
    // The source id comes back too: the accept path counts quotas by it.
    expect(await validateSubmission(context, normalized, body.payload)).to.deep.equal({
      blockNumber: head,
      uniqueDataHashes: false,
      sourceId: fx.sourceId,
    });
    const forged = await parse({ account: privateKeyToAccount(generatePrivateKey()) });
    const claimed = normalizeSubmission(
      { ...forged.body, operation: { ...forged.body.operation, source: fx.device.address } },
      4 * 1024,
    );
    await expectCode(
      validateSubmission(context, claimed, forged.body.payload),
      "SIGNATURE_INVALID",
    );
  });

  it("refuses a record already on-chain unless the caller makes the on-chain check itself", async () => {
    const { raw, body, normalized } = await parse();
    await anchorOnChain(fx, raw);
    const error = await expectCode(
      validateSubmission(context, normalized, body.payload),
      "DUPLICATE_RECORD",
    );
    expect(error.details).to.deep.equal({
      recordId: normalized.recordId,
      sourceId: fx.sourceId.toString(),
    });
    const head = await fx.provider.getBlockNumber();
    expect(
      await validateSubmission(context, normalized, body.payload, { onChainCheck: false }),
    ).to.deep.equal({ blockNumber: head, uniqueDataHashes: false, sourceId: fx.sourceId });
  });
});
