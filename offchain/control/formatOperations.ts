import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { Hex } from "viem";

import { formatIdOf, loadFormatDocument } from "../representation/accept/loadFormatDocument.js";
import { BaseError } from "../shared/BaseError.js";
import type { BlobStore } from "../storage/BlobStore.js";
import { DataLedger__factory } from "../../types/ethers-contracts/index.js";
import { UnknownIdError } from "./controlArguments.js";
import { checkedCall, type ControlContext, type ControlPlan } from "./controlPlan.js";

/*
 * The format registry's control operations (Y.4561 6.2.2 "specified data formats", 8.4
 * "configuring data formats"). A format is a JSON Schema document; its id is the keccak256 of the
 * document's bytes, which is what the gateway checks when it fetches the document by the format's
 * URI (FormatSchemaCache), so the bytes stored are exactly the bytes hashed.
 */

const LEDGER = DataLedger__factory.createInterface();
const STATUS = ["none", "active", "deprecated"] as const;
/** IFormatRegistry's FORMAT_UNIQUE_DATA_HASHES bit (DataLedgerTypes.sol). */
export const FORMAT_UNIQUE_DATA_HASHES = 1;

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

/** Thrown for a schema document the gateway could not use. */
export class FormatDocumentError extends BaseError {
  constructor(code: string, message: string, details: Record<string, unknown>, cause?: unknown) {
    super(code, message, { details, cause });
  }
}

/**
 * Checks a schema document as the gateway will use it (JSON, compiled by the same Ajv 2020
 * settings as FormatSchemaCache) and returns its format id, keccak256 of the bytes.
 */
export function formatIdOfDocument(bytes: Uint8Array): string {
  let schema: unknown;
  try {
    schema = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new FormatDocumentError("FORMAT_SCHEMA_INVALID", "the schema is not JSON", {}, cause);
  }
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw new FormatDocumentError("FORMAT_SCHEMA_INVALID", "the schema is not a JSON object", {});
  }
  try {
    const ajv = new Ajv2020({ allErrors: false, strict: false });
    addFormats(ajv);
    const copy = { ...(schema as Record<string, unknown>) };
    delete copy.$id;
    ajv.compile(copy);
  } catch (cause) {
    throw new FormatDocumentError(
      "FORMAT_SCHEMA_INVALID",
      `the schema does not compile: ${(cause as Error).message}`,
      {},
      cause,
    );
  }
  return formatIdOf(bytes);
}

/**
 * Stores the document in the gateway's BlobStore and returns the URI the gateway resolves it by
 * (`blob:<format id>`, loadFormatDocument).
 */
export async function publishFormatDocument(store: BlobStore, bytes: Uint8Array): Promise<string> {
  return `blob:${await store.put(bytes)}`;
}

/**
 * Fetches `uri` as the gateway would and checks it serves exactly `bytes`: a format registered
 * with a URI that does not serve its document would refuse every record.
 */
export async function requireDocumentAt(
  uri: string,
  bytes: Uint8Array,
  options: { blobStore?: BlobStore; baseDir?: string } = {},
): Promise<void> {
  let served: Uint8Array;
  try {
    served = await loadFormatDocument(uri, options);
  } catch (cause) {
    throw new FormatDocumentError(
      "FORMAT_DOCUMENT_UNAVAILABLE",
      `the schema cannot be fetched from ${uri}: ${(cause as Error).message}`,
      { uri },
      cause,
    );
  }
  if (formatIdOf(served) !== formatIdOf(bytes)) {
    throw new FormatDocumentError(
      "FORMAT_DOCUMENT_MISMATCH",
      `${uri} serves another document than the schema file`,
      { uri, served: formatIdOf(served), expected: formatIdOf(bytes) },
    );
  }
}

/** registerFormat. Outcome: the format id (the schema hash). */
export async function planRegisterFormat(
  ctx: ControlContext,
  p: { schemaHash: string; name: string; version: string; uri: string; flags: number },
): Promise<ControlPlan<{ formatId: string }>> {
  const args = [p.schemaHash, p.name, p.version, p.uri, p.flags];
  return {
    operation: "formats:register",
    call: await checkedCall(ctx, "DataLedger", LEDGER, "registerFormat", args),
    outcome: () => ({ formatId: p.schemaHash }),
  };
}

/** deprecateFormat: records already anchored keep it, new ones cannot use it. */
export async function planDeprecateFormat(
  ctx: ControlContext,
  p: { formatId: string },
): Promise<ControlPlan<{ formatId: string }>> {
  return {
    operation: "formats:deprecate",
    call: await checkedCall(ctx, "DataLedger", LEDGER, "deprecateFormat", [p.formatId]),
    outcome: () => ({ formatId: p.formatId }),
  };
}

/** A format as `formats:show` prints it. */
export interface FormatView {
  formatId: string;
  index: bigint;
  name: string;
  version: string;
  uri: string;
  status: (typeof STATUS)[number];
  uniqueDataHashes: boolean;
  flags: bigint;
  registeredAt: bigint;
  deprecatedAt: bigint;
}

/** Reads a format; FORMAT_UNKNOWN for an id never registered. */
export async function readFormat(
  ctx: Omit<ControlContext, "from">,
  formatId: string,
): Promise<FormatView> {
  const f = await DataLedger__factory.connect(ctx.ledger, ctx.provider).getFormat(formatId);
  if (Number(f.status) === 0) throw new UnknownIdError("FORMAT_UNKNOWN", "format", formatId);
  return {
    formatId,
    index: f.index,
    name: f.name,
    version: f.version,
    uri: f.uri,
    status: STATUS[Number(f.status)],
    uniqueDataHashes: (f.flags & BigInt(FORMAT_UNIQUE_DATA_HASHES)) !== 0n,
    flags: f.flags,
    registeredAt: f.registeredAt,
    deprecatedAt: f.deprecatedAt,
  };
}

/** The format ids the suite has, in registration order (for show lists and set-up checks). */
export async function listFormatIds(ctx: Omit<ControlContext, "from">): Promise<Hex[]> {
  const ledger = DataLedger__factory.connect(ctx.ledger, ctx.provider);
  const count = Number(await ledger.formatCount());
  return Promise.all(Array.from({ length: count }, (_, i) => ledger.formatIdAt(i) as Promise<Hex>));
}
