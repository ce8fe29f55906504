import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { keccak256, toBytes } from "viem";

import { FormatSchemaCache } from "../../../offchain/representation/accept/FormatSchemaCache.js";
import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import { expectCode } from "../../helpers/expectCode.js";

const schema = JSON.stringify({
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["n"],
  properties: { n: { type: "integer" }, email: { type: "string", format: "email" } },
});
const formatId = keccak256(toBytes(schema));

describe("offchain/representation: FormatSchemaCache", () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "dataledger-schemas-"));
    await writeFile(path.join(dir, "format.json"), schema);
  });

  it("loads file: URIs relative to the base directory and validates with formats (draft 2020-12)", async () => {
    const cache = new FormatSchemaCache({ baseDir: dir });
    const validate = await cache.get(formatId, "file:format.json");
    expect(validate({ n: 1 })).to.equal(true);
    expect(validate({ n: 1, email: "nope" })).to.equal(false);
    expect(validate.errors![0].instancePath).to.equal("/email");
    expect(await cache.get(formatId, "file:format.json")).to.equal(validate); // compiled once
  });

  it("loads blob: URIs from the BlobStore and http: URIs from a server", async () => {
    const blobStore = new DirectoryBlobStore(dir);
    await blobStore.put(toBytes(schema));
    expect(
      (await new FormatSchemaCache({ blobStore }).get(formatId, `blob:${formatId}`))({ n: 2 }),
    ).to.equal(true);
    const server = createServer((_req, res) => res.end(schema));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const validate = await new FormatSchemaCache().get(
        formatId,
        `http://127.0.0.1:${port}/s.json`,
      );
      expect(validate({ n: "x" })).to.equal(false);
    } finally {
      server.close();
    }
  });

  it("refuses a document that does not hash to the format id, and retries a failed fetch", async () => {
    const cache = new FormatSchemaCache({ baseDir: dir });
    await writeFile(path.join(dir, "other.json"), '{"type":"string"}');
    await expectCode(cache.get(formatId, "file:other.json"), "FORMAT_SCHEMA_UNAVAILABLE");
    await expectCode(cache.get(formatId, "file:missing.json"), "FORMAT_SCHEMA_UNAVAILABLE");
    await expectCode(cache.get(formatId, "ftp://x"), "FORMAT_SCHEMA_UNAVAILABLE");
    expect((await cache.get(formatId, "file:format.json"))({ n: 3 })).to.equal(true);
  });
});
