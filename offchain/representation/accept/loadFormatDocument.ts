import { readFile } from "node:fs/promises";
import path from "node:path";

import { keccak256, type Hex } from "viem";

import type { BlobStore } from "../../storage/BlobStore.js";

/**
 * A format's id: keccak256 of its JSON Schema document's bytes, exactly as stored (Y.4561 6.2.2).
 * The one definition of the rule: the gateway trusts a fetched document only when it hashes to the
 * id, the configuration check reports one that does not, and operators register formats by it.
 *
 * @example
 * const formatId = formatIdOf(await readFile("schemas/air-quality.json"));
 */
export function formatIdOf(document: Uint8Array): Hex {
  return keccak256(document);
}

export interface LoadFormatDocumentOptions {
  /** Resolves `blob:0x…` URIs (schemas published by operators into the gateway's store). */
  blobStore?: BlobStore;
  /** Base of relative `file:` URIs; defaults to the process's working directory. */
  baseDir?: string;
  /** Abort an `http(s):` fetch after this long. */
  timeoutMs?: number;
}

/**
 * The bytes of a format's JSON Schema document, fetched by the format's on-chain `uri` (Y.4561
 * 6.2.2 "specified data formats"). Supports `file:` (relative to the working directory or
 * absolute), `http(s):` and `blob:0x<keccak256>` from the BlobStore. The caller checks the bytes
 * against the format id; this function only fetches.
 *
 * @example
 * const bytes = await loadFormatDocument("file:schemas/air-quality.json");
 */
export async function loadFormatDocument(
  uri: string,
  options: LoadFormatDocumentOptions = {},
): Promise<Uint8Array> {
  if (uri.startsWith("blob:")) {
    if (!options.blobStore) throw new Error("blob: format URI but the gateway has no BlobStore");
    const bytes = await options.blobStore.get(uri.slice("blob:".length) as Hex);
    if (!bytes) throw new Error(`no blob ${uri}`);
    return bytes;
  }
  if (uri.startsWith("file:")) {
    // `file:relative/path` is not a valid file URL, and that is the point: relative paths keep
    // schema registrations portable between machines.
    const rest = uri.startsWith("file://") ? new URL(uri).pathname : uri.slice("file:".length);
    const file = path.resolve(options.baseDir ?? process.cwd(), decodeURIComponent(rest));
    return new Uint8Array(await readFile(file));
  }
  if (uri.startsWith("http://") || uri.startsWith("https://")) {
    const response = await fetch(uri, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
    if (!response.ok) throw new Error(`GET ${uri} answered ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  throw new Error(`unsupported format URI scheme: ${uri}`);
}
