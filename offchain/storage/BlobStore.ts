import { mkdir, open, readFile, rename } from "node:fs/promises";
import path from "node:path";

import { keccak256, type Hex } from "viem";

import { BaseError } from "../shared/BaseError.js";

/**
 * Content-addressed storage for payloads and published data block documents, keyed by keccak256
 * of the bytes (for a payload that is its data hash). Other stores (S3, IPFS) implement the same
 * interface.
 */
export interface BlobStore {
  /** Stores `bytes` and returns their keccak256; storing the same bytes twice is a no-op. */
  put(bytes: Uint8Array): Promise<Hex>;
  /** The bytes stored under `hash`, or undefined. Implementations verify the hash on read. */
  get(hash: Hex): Promise<Uint8Array | undefined>;
}

/** Thrown when stored bytes no longer hash to their key: the store was tampered with or corrupted. */
export class BlobCorruptedError extends BaseError {
  constructor(hash: Hex) {
    super("BLOB_CORRUPTED", `Stored bytes do not hash to ${hash}`, { details: { hash } });
  }
}

/**
 * A BlobStore in a local directory (the default). Writes go to a temporary file that is fsynced
 * and renamed into place, so a crash never leaves a partial blob under a valid name.
 *
 * @example
 * const store = new DirectoryBlobStore("data/blobs");
 * const hash = await store.put(new TextEncoder().encode('{"a":1}'));
 */
export class DirectoryBlobStore implements BlobStore {
  constructor(readonly directory: string) {}

  async put(bytes: Uint8Array): Promise<Hex> {
    const hash = keccak256(bytes);
    const file = this.#file(hash);
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const handle = await open(temporary, "w");
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    return hash;
  }

  async get(hash: Hex): Promise<Uint8Array | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.#file(hash)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    if (keccak256(bytes) !== hash.toLowerCase()) throw new BlobCorruptedError(hash);
    return bytes;
  }

  #file(hash: Hex): string {
    const h = hash.toLowerCase().replace(/^0x/, "");
    if (!/^[0-9a-f]{64}$/.test(h))
      throw new BaseError("BLOB_INVALID_HASH", "Not a 32-byte hex hash", { details: { hash } });
    return path.join(this.directory, h.slice(0, 2), h);
  }
}
