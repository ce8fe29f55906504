import { mkdir, open, readFile, rename } from "node:fs/promises";
import path from "node:path";

import type { Hex } from "viem";

import { BaseError } from "../shared/BaseError.js";
import { keccak256Hex } from "../shared/keccak.js";

/**
 * Content-addressed storage for payloads and published data block documents, keyed by keccak256
 * of the bytes (for a payload that is its data hash). Other stores (S3, IPFS) implement the same
 * interface.
 */
export interface BlobStore {
  /** Stores `bytes` and returns their keccak256; storing the same bytes twice is a no-op. */
  put(bytes: Uint8Array): Promise<Hex>;
  /**
   * Stores every item, durably once it resolves, and returns their keccak256 in order.
   * `hashes`, when given, are the items' keccak256 already computed by the caller (trusted).
   */
  putMany(items: readonly Uint8Array[], hashes?: readonly Hex[]): Promise<Hex[]>;
  /** The bytes stored under `hash`, or undefined. Implementations verify the hash on read. */
  get(hash: Hex): Promise<Uint8Array | undefined>;
}

/** Thrown when stored bytes no longer hash to their key: the store was tampered with or corrupted. */
export class BlobCorruptedError extends BaseError {
  constructor(hash: Hex) {
    super("BLOB_CORRUPTED", `Stored bytes do not hash to ${hash}`, { details: { hash } });
  }
}

// fs calls run on libuv's small thread pool anyway; more in flight only queues there.
const WRITE_CONCURRENCY = 16;

/**
 * A BlobStore in a local directory (the default). Writes go to a temporary file that is fsynced
 * and renamed into place, so a crash never leaves a partial blob under a valid name; then the
 * directories that received names are fsynced, so the names survive a crash too. `putMany`
 * writes its files concurrently and fsyncs each directory once.
 *
 * @example
 * const store = new DirectoryBlobStore("data/blobs");
 * const hash = await store.put(new TextEncoder().encode('{"a":1}'));
 */
export class DirectoryBlobStore implements BlobStore {
  constructor(readonly directory: string) {}

  async put(bytes: Uint8Array): Promise<Hex> {
    const [hash] = await this.putMany([bytes]);
    return hash;
  }

  async putMany(items: readonly Uint8Array[], hashes?: readonly Hex[]): Promise<Hex[]> {
    const keys = items.map(
      (bytes, i) => (hashes?.[i]?.toLowerCase() as Hex | undefined) ?? keccak256Hex(bytes),
    );
    const files = new Map<string, Uint8Array>();
    for (const [i, hash] of keys.entries()) files.set(this.#file(hash), items[i]);
    const shards = [...new Set([...files.keys()].map((file) => path.dirname(file)))];
    const created = await Promise.all(shards.map((dir) => mkdir(dir, { recursive: true })));
    await runPool([...files], WRITE_CONCURRENCY, async ([file, bytes]) => {
      const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      const handle = await open(temporary, "w");
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
    });
    const directories = created.some((first) => first !== undefined)
      ? [...shards, this.directory]
      : shards;
    await runPool(directories, WRITE_CONCURRENCY, syncDirectory);
    return keys;
  }

  async get(hash: Hex): Promise<Uint8Array | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.#file(hash)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    if (keccak256Hex(bytes) !== hash.toLowerCase()) throw new BlobCorruptedError(hash);
    return bytes;
  }

  #file(hash: Hex): string {
    const h = hash.toLowerCase().replace(/^0x/, "");
    if (!/^[0-9a-f]{64}$/.test(h))
      throw new BaseError("BLOB_INVALID_HASH", "Not a 32-byte hex hash", { details: { hash } });
    return path.join(this.directory, h.slice(0, 2), h);
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function runPool<T>(items: T[], size: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
