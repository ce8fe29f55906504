import { mkdir, open, readdir, readFile, rename, stat } from "node:fs/promises";
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
/** From this many items on, putMany writes one pack file instead of a file per blob. */
const PACK_MIN_ITEMS = 16;
const PACK_MAGIC = Buffer.from("DLPACK1\n");
const PACK_ENTRY_BYTES = 32 + 4 + 4;

/** Where a packed blob's bytes are. */
interface PackEntry {
  file: string;
  offset: number;
  length: number;
}

/**
 * A BlobStore in a local directory (the default). A single blob is a file named by its hash
 * (`<dir>/<2 hex>/<hash>`); a batch of many (`putMany`, e.g. a data block's payloads) is one
 * pack file (`<dir>/packs/<hash of its table>.pack`: magic, count, a table of hash, offset and
 * length, then the bytes), because a file and an fsync per payload capped anchoring at a few
 * thousand records per second. Every file is written under a temporary name, fsynced and renamed
 * into place, and its directory fsynced, so a crash never leaves a partial blob under a valid
 * name and what a call returned survives a crash.
 *
 * Reads look for a loose file first, then in an in-memory index of the packs' tables (about
 * 150 bytes per packed blob), refreshed when the packs directory changes, so blobs packed by
 * another process on the same directory are found too.
 *
 * @example
 * const store = new DirectoryBlobStore("data/blobs");
 * const hash = await store.put(new TextEncoder().encode('{"a":1}'));
 */
export class DirectoryBlobStore implements BlobStore {
  readonly #packed = new Map<string, PackEntry>();
  readonly #indexedPacks = new Set<string>();
  #packsMtimeMs = -1;
  #scanning?: Promise<void>;

  constructor(readonly directory: string) {}

  async put(bytes: Uint8Array): Promise<Hex> {
    const [hash] = await this.putMany([bytes]);
    return hash;
  }

  async putMany(items: readonly Uint8Array[], hashes?: readonly Hex[]): Promise<Hex[]> {
    const keys = items.map(
      (bytes, i) => (hashes?.[i]?.toLowerCase() as Hex | undefined) ?? keccak256Hex(bytes),
    );
    for (const key of keys) this.#file(key); // refuses malformed hashes before writing anything
    const unique = new Map<Hex, Uint8Array>();
    for (const [i, key] of keys.entries()) unique.set(key, items[i]);
    if (unique.size >= PACK_MIN_ITEMS) await this.#writePack(unique);
    else await this.#writeLoose(unique);
    return keys;
  }

  async get(hash: Hex): Promise<Uint8Array | undefined> {
    const file = this.#file(hash);
    let bytes = await readIfExists(file);
    if (!bytes) {
      const key = hash.toLowerCase().slice(2);
      let entry = this.#packed.get(key);
      if (!entry) {
        await this.#scanPacks();
        entry = this.#packed.get(key);
      }
      if (!entry) return undefined;
      bytes = await readRange(entry);
    }
    if (keccak256Hex(bytes) !== hash.toLowerCase()) throw new BlobCorruptedError(hash);
    return bytes;
  }

  async #writeLoose(blobs: Map<Hex, Uint8Array>): Promise<void> {
    const files = [...blobs].map(([hash, bytes]) => [this.#file(hash), bytes] as const);
    const shards = [...new Set(files.map(([file]) => path.dirname(file)))];
    const created = await Promise.all(shards.map((dir) => mkdir(dir, { recursive: true })));
    await runPool(files, WRITE_CONCURRENCY, ([file, bytes]) => writeDurably(file, bytes));
    const directories = created.some((first) => first !== undefined)
      ? [...shards, this.directory]
      : shards;
    await runPool(directories, WRITE_CONCURRENCY, syncDirectory);
  }

  async #writePack(blobs: Map<Hex, Uint8Array>): Promise<void> {
    const table = Buffer.alloc(4 + blobs.size * PACK_ENTRY_BYTES);
    table.writeUInt32BE(blobs.size, 0);
    let offset = 0;
    let at = 4;
    for (const [hash, bytes] of blobs) {
      table.write(hash.slice(2), at, "hex");
      table.writeUInt32BE(offset, at + 32);
      table.writeUInt32BE(bytes.length, at + 36);
      offset += bytes.length;
      at += PACK_ENTRY_BYTES;
    }
    const packs = path.join(this.directory, "packs");
    // Named by its table, so publishing the same batch again rewrites the same file.
    const file = path.join(packs, `${keccak256Hex(table).slice(2)}.pack`);
    const created = await mkdir(packs, { recursive: true });
    await writeDurably(file, Buffer.concat([PACK_MAGIC, table, ...blobs.values()]));
    await syncDirectory(packs);
    if (created !== undefined) await syncDirectory(this.directory);
    // Not indexed here: the index is for reads, which find new packs by scanning, and a writer
    // that indexed every blob it packed spent time and memory on entries it never read.
  }

  /** Adds the packs written since the last scan (by any process) to the index. */
  async #scanPacks(): Promise<void> {
    if (this.#scanning) return this.#scanning;
    this.#scanning = (async () => {
      const packs = path.join(this.directory, "packs");
      let mtimeMs: number;
      try {
        mtimeMs = (await stat(packs)).mtimeMs;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
      if (mtimeMs === this.#packsMtimeMs) return;
      // Directory times are coarse (a few ms): a pack renamed in later within the same tick
      // would keep the time we saw, so a recent time is not trusted to mean "nothing new".
      this.#packsMtimeMs = Date.now() - mtimeMs > 1_000 ? mtimeMs : -1;
      for (const name of await readdir(packs)) {
        const file = path.join(packs, name);
        if (!name.endsWith(".pack") || this.#indexedPacks.has(file)) continue;
        const table = await readPackTable(file);
        if (table) this.#index(file, table);
      }
    })().finally(() => {
      this.#scanning = undefined;
    });
    return this.#scanning;
  }

  #index(file: string, table: Buffer): void {
    const count = table.readUInt32BE(0);
    const dataStart = PACK_MAGIC.length + table.length;
    for (let i = 0, at = 4; i < count; i++, at += PACK_ENTRY_BYTES) {
      this.#packed.set(table.toString("hex", at, at + 32), {
        file,
        offset: dataStart + table.readUInt32BE(at + 32),
        length: table.readUInt32BE(at + 36),
      });
    }
    this.#indexedPacks.add(file);
  }

  #file(hash: Hex): string {
    const h = hash.toLowerCase().replace(/^0x/, "");
    if (!/^[0-9a-f]{64}$/.test(h))
      throw new BaseError("BLOB_INVALID_HASH", "Not a 32-byte hex hash", { details: { hash } });
    return path.join(this.directory, h.slice(0, 2), h);
  }
}

async function writeDurably(file: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const handle = await open(temporary, "w");
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}

async function readIfExists(file: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** A pack's table (count and entries), or undefined when the file is not a whole pack. */
async function readPackTable(file: string): Promise<Buffer | undefined> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(PACK_MAGIC.length + 4);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead < head.length || !head.subarray(0, PACK_MAGIC.length).equals(PACK_MAGIC)) return;
    const count = head.readUInt32BE(PACK_MAGIC.length);
    const table = Buffer.alloc(4 + count * PACK_ENTRY_BYTES);
    const read = await handle.read(table, 0, table.length, PACK_MAGIC.length);
    return read.bytesRead === table.length ? table : undefined;
  } finally {
    await handle.close();
  }
}

async function readRange({ file, offset, length }: PackEntry): Promise<Uint8Array> {
  const handle = await open(file, "r");
  try {
    const bytes = new Uint8Array(length);
    const { bytesRead } = await handle.read(bytes, 0, length, offset);
    return bytesRead === length ? bytes : bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
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
