import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { keccak256 } from "viem";

import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import { expectCode } from "../../helpers/expectCode.js";

describe("offchain/storage: DirectoryBlobStore", () => {
  it("stores bytes under their keccak256, idempotently, and reads them back", async () => {
    const store = new DirectoryBlobStore(await mkdtemp(path.join(tmpdir(), "blobs-")));
    const bytes = new TextEncoder().encode('{"a":1}');
    const hash = await store.put(bytes);
    expect(hash).to.equal(keccak256(bytes));
    expect(await store.put(bytes)).to.equal(hash);
    expect(Buffer.from((await store.get(hash))!).toString()).to.equal('{"a":1}');
    expect(await store.get(keccak256(new Uint8Array([1])))).to.equal(undefined);
    const shard = path.join(store.directory, hash.slice(2, 4));
    expect((await readdir(shard)).filter((f) => f.endsWith(".tmp"))).to.deep.equal([]);
  });

  it("detects tampered blobs and rejects malformed hashes", async () => {
    const store = new DirectoryBlobStore(await mkdtemp(path.join(tmpdir(), "blobs-")));
    const hash = await store.put(new TextEncoder().encode("original"));
    await writeFile(path.join(store.directory, hash.slice(2, 4), hash.slice(2)), "tampered");
    await expectCode(store.get(hash), "BLOB_CORRUPTED");
    await expectCode(store.get("0x1234"), "BLOB_INVALID_HASH");
  });
});
