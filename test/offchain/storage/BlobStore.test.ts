import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { keccak256, type Hex } from "viem";

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

describe("offchain/storage: DirectoryBlobStore.putMany", () => {
  it("stores many blobs in order, deduplicated, idempotently, with no temporary files", async () => {
    const store = new DirectoryBlobStore(await mkdtemp(path.join(tmpdir(), "blobs-")));
    const items = Array.from({ length: 300 }, (_, i) => new TextEncoder().encode(`{"i":${i}}`));
    items.push(items[7]); // the same bytes twice in one call
    const hashes = await store.putMany(items);
    expect(hashes).to.deep.equal(items.map((bytes) => keccak256(bytes)));
    expect(await store.putMany(items)).to.deep.equal(hashes);
    for (const [i, hash] of hashes.entries()) {
      expect(await store.get(hash)).to.deep.equal(items[i]);
    }
    const files = (await readdir(store.directory, { recursive: true })) as string[];
    expect(files.filter((f) => f.endsWith(".tmp"))).to.deep.equal([]);
    expect(await store.putMany([])).to.deep.equal([]);
  });

  it("uses hashes the caller already computed", async () => {
    const store = new DirectoryBlobStore(await mkdtemp(path.join(tmpdir(), "blobs-")));
    const bytes = new TextEncoder().encode("payload");
    const hash = keccak256(bytes);
    expect(
      await store.putMany([bytes], [hash.toUpperCase().replace("0X", "0x") as Hex]),
    ).to.deep.equal([hash]);
    expect(Buffer.from((await store.get(hash))!).toString()).to.equal("payload");
  });

  it("survives a reopen: what putMany returned is on disk under its name", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "blobs-"));
    const items = [new TextEncoder().encode("one"), new TextEncoder().encode("two")];
    const hashes = await new DirectoryBlobStore(directory).putMany(items);
    const reopened = new DirectoryBlobStore(directory);
    for (const [i, hash] of hashes.entries()) {
      expect(await reopened.get(hash)).to.deep.equal(items[i]);
    }
  });
});

describe("offchain/storage: DirectoryBlobStore packs", () => {
  const batch = (tag: string, n = 40) =>
    Array.from({ length: n }, (_, i) => new TextEncoder().encode(`{"${tag}":${i}}`));

  it("writes a large putMany as one pack file, idempotently, and reads every blob from it", async () => {
    const store = new DirectoryBlobStore(await mkdtemp(path.join(tmpdir(), "blobs-")));
    const items = batch("a");
    items.push(items[3]);
    const hashes = await store.putMany(items);
    expect(hashes).to.deep.equal(items.map((bytes) => keccak256(bytes)));
    expect(await readdir(store.directory)).to.deep.equal(["packs"]);
    const packs = await readdir(path.join(store.directory, "packs"));
    expect(packs).to.have.length(1);
    expect(await store.putMany(items)).to.deep.equal(hashes);
    expect(await readdir(path.join(store.directory, "packs"))).to.deep.equal(packs);
    for (const [i, hash] of hashes.entries()) expect(await store.get(hash)).to.deep.equal(items[i]);
    expect(await store.get(keccak256(new Uint8Array([9])))).to.equal(undefined);
  });

  it("finds blobs another instance (process) packed, also after its first look", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "blobs-"));
    const writer = new DirectoryBlobStore(directory);
    const reader = new DirectoryBlobStore(directory);
    const missing = keccak256(new TextEncoder().encode('{"b":0}'));
    expect(await reader.get(missing)).to.equal(undefined); // no packs directory yet
    const [first] = await writer.putMany(batch("a"));
    expect(await reader.get(first)).to.deep.equal(batch("a")[0]);
    const second = await writer.putMany(batch("b"));
    expect(second[0]).to.equal(missing);
    expect(await reader.get(missing)).to.deep.equal(batch("b")[0]);
    expect(await new DirectoryBlobStore(directory).get(second[39])).to.deep.equal(batch("b")[39]);
  });

  it("detects a tampered packed blob and ignores a truncated pack", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "blobs-"));
    const hashes = await new DirectoryBlobStore(directory).putMany(batch("t"));
    const [pack] = await readdir(path.join(directory, "packs"));
    const file = path.join(directory, "packs", pack);
    const bytes = await readFile(file);
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 2] ^= 1; // inside the last blob
    await writeFile(file, tampered);
    const reader = new DirectoryBlobStore(directory);
    await expectCode(reader.get(hashes[39]), "BLOB_CORRUPTED");
    expect(await reader.get(hashes[0])).to.deep.equal(batch("t")[0]);

    await writeFile(file, bytes.subarray(0, 20)); // cut inside the table
    expect(await new DirectoryBlobStore(directory).get(hashes[0])).to.equal(undefined);
  });
});
