import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { keccak256 } from "ethers";
import type { Hex } from "viem";

import { FormatSchemaCache } from "../../../offchain/representation/accept/FormatSchemaCache.js";
import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import {
  expectTaskError,
  expectTaskSuccess,
  setUpControlTasks,
  type ControlTaskFixture,
} from "../../helpers/controlTaskFixture.js";

const SCHEMA = "config/formats/air-quality.schema.json";

/**
 * formats:* through Hardhat's task runner: formats:register publishes the schema where the
 * gateway fetches it (its BlobStore, or a URI it checks) and registers the document's keccak256;
 * the gateway's own FormatSchemaCache then loads and trusts it.
 */
describe("formats:* tasks", function () {
  this.timeout(60_000);
  let fx: ControlTaskFixture;
  let dir: string;
  let store: string;
  let airQualityId: string;

  before(async () => {
    fx = await setUpControlTasks();
    dir = await mkdtemp(path.join(tmpdir(), "dataledger-formats-"));
    store = path.join(dir, "blobs");
    airQualityId = keccak256(await readFile(SCHEMA));
  });
  after(async () => {
    await fx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A schema file of its own (its hash differs by `title`). */
  async function schemaFile(title: string): Promise<string> {
    const file = path.join(dir, `${title}.json`);
    await writeFile(file, JSON.stringify({ type: "object", title }));
    return file;
  }

  it("--dry-run checks the call and stores nothing, sends nothing", async () => {
    const mark = await fx.chainMark();
    const run = await fx.run("formats:register", {
      schema: SCHEMA,
      name: "air-quality",
      formatVersion: "1.0.0",
      store,
      dryRun: true,
      json: true,
    });
    expectTaskSuccess(run);
    const report = run.json<{ transaction: { function: string; args: unknown[] } }>();
    expect(report.transaction.function).to.equal(
      "registerFormat(bytes32,string,string,string,uint16)",
    );
    expect(report.transaction.args).to.deep.equal([
      airQualityId,
      "air-quality",
      "1.0.0",
      `blob:${airQualityId}`,
      0,
    ]);
    expect(existsSync(store)).to.equal(false);
    expect(await fx.chainMark()).to.equal(mark);
    expect(await fx.ledger.formatCount()).to.equal(0n);
  });

  it("formats:register stores the schema in the gateway's BlobStore and registers its hash, which the gateway then loads", async () => {
    const run = await fx.run("formats:register", {
      schema: SCHEMA,
      name: "air-quality",
      formatVersion: "1.0.0",
      store,
    });
    expectTaskSuccess(run);
    expect(run.stdout[1]).to.match(new RegExp(`^registered format ${airQualityId} \\(tx 0x`));
    const format = await fx.ledger.getFormat(airQualityId);
    expect(format.name).to.equal("air-quality");
    expect(format.uri).to.equal(`blob:${airQualityId}`);
    expect(format.flags).to.equal(0n);
    // The gateway's schema cache, on the same store, fetches, checks the hash and compiles it.
    const schemas = new FormatSchemaCache({ blobStore: new DirectoryBlobStore(store) });
    const validate = await schemas.get(airQualityId as Hex, format.uri);
    expect(validate({ deviceId: "d", pm25: 1, pm10: 2, sampledAt: 1 })).to.equal(true);
    expect(validate({ deviceId: "d" })).to.equal(false);
  });

  it("--unique-data-hashes sets FORMAT_UNIQUE_DATA_HASHES; --uri registers a document already published there", async () => {
    const unique = await schemaFile("unique");
    expectTaskSuccess(
      await fx.run("formats:register", {
        schema: unique,
        name: "deposit",
        formatVersion: "1",
        store,
        uniqueDataHashes: true,
      }),
    );
    const uniqueId = keccak256(await readFile(unique));
    expect((await fx.ledger.getFormat(uniqueId)).flags).to.equal(1n);

    const published = await schemaFile("published");
    expectTaskSuccess(
      await fx.run("formats:register", {
        schema: published,
        name: "published",
        formatVersion: "1",
        uri: `file:${published}`,
      }),
    );
    const format = await fx.ledger.getFormat(keccak256(await readFile(published)));
    expect(format.uri).to.equal(`file:${published}`);
  });

  it("formats:deprecate ends a format for new records; formats:show lists every format", async () => {
    const file = await schemaFile("old");
    expectTaskSuccess(
      await fx.run("formats:register", { schema: file, name: "old", formatVersion: "1", store }),
    );
    const id = keccak256(await readFile(file));
    expectTaskSuccess(await fx.run("formats:deprecate", { formatId: id }));
    expect((await fx.ledger.getFormat(id)).status).to.equal(2n);

    const all = await fx.run("formats:show", { json: true });
    expectTaskSuccess(all);
    const { formats } = all.json<{
      formats: { formatId: string; status: string; uniqueDataHashes: boolean }[];
    }>();
    expect(formats.map((f) => f.formatId)).to.include.members([airQualityId, id]);
    expect(formats.find((f) => f.formatId === id)!.status).to.equal("deprecated");
    const one = await fx.run("formats:show", { formatId: airQualityId });
    expectTaskSuccess(one);
    expect(one.stdout).to.deep.equal([
      `format ${airQualityId}: air-quality 1.0.0, active, blob:${airQualityId}`,
    ]);
    expectTaskError(await fx.run("formats:deprecate", { formatId: id }), "FORMAT_DEPRECATED");
  });

  it("refuses a wrong role, unknown ids, bad documents and bad arguments with one line each, and changes nothing", async () => {
    const fresh = await schemaFile("fresh");
    const other = await schemaFile("other");
    const notJson = path.join(dir, "not.json");
    await writeFile(notJson, "{ nope");
    const notSchema = path.join(dir, "bad-schema.json");
    await writeFile(notSchema, JSON.stringify({ type: "no-such-type" }));
    const otherStore = path.join(dir, "other-blobs");
    const args = { schema: fresh, name: "fresh", formatVersion: "1", store: otherStore };
    const mark = await fx.chainMark();
    const cases: [string, Record<string, unknown>, string][] = [
      ["formats:register", { ...args, signer: "0" }, "ROLE_REQUIRED"],
      [
        "formats:register",
        { ...args, name: "air-quality", formatVersion: "1.0.0" },
        "FORMAT_DUPLICATE_VERSION",
      ],
      ["formats:register", { ...args, schema: SCHEMA, name: "again" }, "FORMAT_ALREADY_REGISTERED"],
      ["formats:register", { ...args, schema: notJson }, "FORMAT_SCHEMA_INVALID"],
      ["formats:register", { ...args, schema: notSchema }, "FORMAT_SCHEMA_INVALID"],
      [
        "formats:register",
        { ...args, schema: path.join(dir, "none.json") },
        "FORMAT_SCHEMA_NOT_FOUND",
      ],
      [
        "formats:register",
        { ...args, store: undefined, uri: `file:${other}` },
        "FORMAT_DOCUMENT_MISMATCH",
      ],
      [
        "formats:register",
        { ...args, store: undefined, uri: `file:${dir}/gone.json` },
        "FORMAT_DOCUMENT_UNAVAILABLE",
      ],
      ["formats:register", { ...args, uri: `file:${fresh}` }, "TASK_CONFLICTING_OPTIONS"],
      ["formats:register", { ...args, formatVersion: undefined }, "TASK_MISSING_OPTION"],
      ["formats:register", { ...args, name: " " }, "ARGUMENT_INVALID"],
      ["formats:deprecate", { formatId: keccak256("0x01") }, "FORMAT_UNKNOWN"],
      ["formats:deprecate", { formatId: airQualityId, signer: "2" }, "ROLE_REQUIRED"],
      ["formats:deprecate", { formatId: "0x1234" }, "ARGUMENT_INVALID"],
      ["formats:show", { formatId: keccak256("0x01") }, "FORMAT_UNKNOWN"],
    ];
    for (const [id, a, code] of cases) expectTaskError(await fx.run(id, a), code);
    expect(await fx.chainMark()).to.equal(mark);
    // A refused registration publishes nothing either.
    expect(existsSync(otherStore)).to.equal(false);
  });
});
