import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { createPublicClient, custom, toBytes, type Hex } from "viem";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import {
  createReaderKey,
  hashSealedEnvelope,
  openPayload,
  sealPayload,
  verifyReceipt,
  type Receipt,
} from "../../../offchain/sdk/index.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import {
  makeSubmission,
  postJson,
  readJson,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

const connection = await network.create();
const publicClient = createPublicClient({ transport: custom(connection.provider) });

/** FORMAT_CONFIDENTIAL in contracts/types/DataLedgerTypes.sol. */
const FORMAT_CONFIDENTIAL = 2;

/** The plaintext's schema: a sealed envelope conforms to none of it, so acceptance proves it unchecked. */
const VITALS_SCHEMA = JSON.stringify({
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "vitals",
  type: "object",
  required: ["patient", "heartRate"],
  properties: { patient: { type: "string" }, heartRate: { type: "integer" } },
  additionalProperties: false,
});

// Markers that would show up verbatim if a plaintext reached the disk or a log.
const SECRET = "PATIENT-SECRET-7731";
const CONTROL = "CONTROL-STATION-4409";

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if ((await stat(full)).isFile()) out.push(full);
  }
  return out;
}

/** The files under `dirs` whose bytes contain `needle` (UTF-8). */
async function filesContaining(dirs: string[], needle: string): Promise<string[]> {
  const bytes = Buffer.from(needle, "utf8");
  const hits: string[] = [];
  for (const dir of dirs) {
    for (const file of await filesUnder(dir)) {
      if ((await readFile(file)).includes(bytes)) hits.push(file);
    }
  }
  return hits;
}

/**
 * Confidential formats at R2D (Y.4561 6.2.1, 6.2.5): the gateway checks what it can of a payload
 * it cannot read (signature, source, format, size, envelope shape, data hash = envelope hash) and
 * not the plaintext's JSON Schema; nothing of the plaintext reaches its database, blobs or logs.
 */
describe("offchain/representation: confidential payloads", () => {
  let fx: RepresentationFixture;
  let gateway: Gateway;
  let dbDir: string;
  let vitals: Hex;
  const reader = createReaderKey();
  const logs: string[] = [];
  const originals = {
    log: console.log,
    error: console.error,
    warn: console.warn,
    info: console.info,
  };

  before(async () => {
    // Everything the gateway prints while these tests run, searched at the end.
    for (const name of ["log", "error", "warn", "info"] as const) {
      console[name] = (...args: unknown[]) => {
        logs.push(args.map((a) => (a instanceof Error ? `${a.stack}` : String(a))).join(" "));
        originals[name](...args);
      };
    }
    fx = await setUpRepresentation(connection);
    vitals = (await fx.blobStore.put(toBytes(VITALS_SCHEMA))) as Hex;
    await (
      await fx.asOperator.registerFormat(
        vitals,
        "vitals",
        "1.0.0",
        `blob:${vitals}`,
        FORMAT_CONFIDENTIAL,
      )
    ).wait();
    await (await fx.asOperator.setSourceFormats(fx.sourceId, [vitals], true)).wait();
    dbDir = await mkdtemp(path.join(tmpdir(), "dataledger-gateway-db-"));
    gateway = await createGateway({
      ledgerAddress: fx.ledgerAddress,
      provider: fx.provider,
      signer: fx.gatewaySigner,
      database: await openDatabase({ dataDir: dbDir }),
      blobStore: fx.blobStore,
      startLoops: false,
      batch: { maxBlockSize: 64, maxWaitMs: 60_000 },
    });
  });

  after(async () => {
    Object.assign(console, originals);
    await gateway?.close();
    await gateway?.db.close();
  });

  const submit = async (body: unknown) => {
    const res = await postJson(gateway.app, "/v1/records", body);
    return { status: res.status, json: await readJson(res) };
  };

  async function anchorAll(): Promise<void> {
    await gateway.batcher.tick(Date.now() + 120_000);
    await gateway.submitter.tick();
    await gateway.submitter.tick();
  }

  it("accepts a sealed envelope without checking the plaintext schema, anchors it, and the reader opens it", async () => {
    const sealed = sealPayload({
      payload: { patient: SECRET, heartRate: 71 },
      readerKeys: [reader.publicKey],
    });
    const body = await makeSubmission(fx, sealed.envelope, {
      formatId: vitals,
      sampledAt: 1_760_000_100,
    });
    expect(body.operation.record.dataHash).to.equal(sealed.dataHash);
    const { status, json } = await submit(body);
    expect(status, JSON.stringify(json)).to.equal(202);

    // A plaintext record beside it: the leak search below must find this one.
    const control = await makeSubmission(
      fx,
      { station: CONTROL, pm25: 3 },
      { sampledAt: 1_760_000_100 },
    );
    expect((await submit(control)).status).to.equal(202);

    await anchorAll();
    const res = await gateway.app.request(`/v1/records/${json.recordId}`);
    const state = (await res.json()) as { status: string; receipt: Receipt };
    expect(state.status).to.equal("anchored");
    // Anyone verifies the anchored envelope against the chain without reading it.
    await verifyReceipt({
      payload: sealed.envelope,
      receipt: state.receipt,
      publicClient,
      ledgerAddress: fx.ledgerAddress,
    });
    const stored = await fx.blobStore.get(state.receipt.dataHash);
    const envelope: unknown = JSON.parse(new TextDecoder().decode(stored!));
    expect(hashSealedEnvelope(envelope as typeof sealed.envelope)).to.equal(state.receipt.dataHash);
    const opened = openPayload({
      envelope,
      dataHash: state.receipt.dataHash,
      wrap: sealed.wraps[0],
      readerPrivateKey: reader.privateKey,
    });
    expect(opened.payload).to.deep.equal({ patient: SECRET, heartRate: 71 });
  });

  it("refuses an unsealed payload of a confidential format with ENVELOPE_MALFORMED, even one the schema accepts", async () => {
    const body = await makeSubmission(
      fx,
      { patient: "P-1", heartRate: 60 },
      {
        formatId: vitals,
        sampledAt: 1_760_000_200,
      },
    );
    const { status, json } = await submit(body);
    expect(status).to.equal(422);
    expect(json.error.code).to.equal("ENVELOPE_MALFORMED");
    expect(json.error.details.formatId).to.equal(vitals);
  });

  it("refuses a malformed envelope with ENVELOPE_MALFORMED naming the field, and stores nothing", async () => {
    const sealed = sealPayload({
      payload: { patient: "P-2", heartRate: 61 },
      readerKeys: [reader.publicKey],
    });
    const cases: [unknown, string][] = [
      [{ ...sealed.envelope, wraps: sealed.wraps }, ""],
      [{ ...sealed.envelope, version: 2 }, "/version"],
      [{ ...sealed.envelope, nonce: "0x00" }, "/nonce"],
      [{ ...sealed.envelope, ciphertext: "0xABCDEF" }, "/ciphertext"],
    ];
    for (const [envelope, field] of cases) {
      const body = await makeSubmission(fx, envelope, {
        formatId: vitals,
        sampledAt: 1_760_000_300,
      });
      const { status, json } = await submit(body);
      expect(status, JSON.stringify(json)).to.equal(422);
      expect(json.error.code).to.equal("ENVELOPE_MALFORMED");
      expect(json.error.details.field).to.equal(field);
      expect(await fx.blobStore.get(body.operation.record.dataHash)).to.equal(undefined);
    }
  });

  it("still holds the data hash to the envelope (DATA_HASH_MISMATCH) and other formats to their schema", async () => {
    const sealed = sealPayload({
      payload: { patient: "P-3", heartRate: 62 },
      readerKeys: [reader.publicKey],
    });
    const other = sealPayload({
      payload: { patient: "P-3", heartRate: 62 },
      readerKeys: [reader.publicKey],
    });
    const body = await makeSubmission(fx, sealed.envelope, {
      formatId: vitals,
      sampledAt: 1_760_000_400,
    });
    const { status, json } = await submit({ ...body, payload: other.envelope });
    expect(status).to.equal(422);
    expect(json.error.code).to.equal("DATA_HASH_MISMATCH");

    // An envelope under a format that is not confidential meets that format's schema.
    const plain = await makeSubmission(fx, sealed.envelope, { sampledAt: 1_760_000_400 });
    const refused = await submit(plain);
    expect(refused.status).to.equal(422);
    expect(refused.json.error.code).to.equal("SCHEMA_VIOLATION");
  });

  it("leaves no plaintext of a confidential payload in its database files, blob store or logs", async () => {
    // Close the database so every page is on disk, then search the bytes.
    await gateway.close();
    await gateway.db.close();
    const dirs = [dbDir, fx.blobDir];
    // The search works: the plaintext record's marker is found.
    expect(await filesContaining(dirs, CONTROL)).not.to.deep.equal([]);
    expect(await filesContaining(dirs, SECRET)).to.deep.equal([]);
    expect(logs.join("\n")).not.to.include(SECRET);
    gateway = undefined as unknown as Gateway;
  });
});
