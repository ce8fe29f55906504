import { readFile } from "node:fs/promises";
import path from "node:path";

import { parseBytes32, parseText } from "../../offchain/control/controlArguments.js";
import {
  FORMAT_UNIQUE_DATA_HASHES,
  formatIdOfDocument,
  listFormatIds,
  planDeprecateFormat,
  planRegisterFormat,
  publishFormatDocument,
  readFormat,
  requireDocumentAt,
  type FormatView,
} from "../../offchain/control/formatOperations.js";
import { BaseError } from "../../offchain/shared/BaseError.js";
import { DirectoryBlobStore } from "../../offchain/storage/BlobStore.js";
import {
  controlAction,
  readAction,
  required,
  roleRule,
  type ControlTaskArgs,
} from "./controlTask.js";

/** The actions of the formats:* tasks (definitions in controlTasks.ts). */

interface RegisterArgs extends ControlTaskArgs {
  schema?: string;
  name?: string;
  formatVersion?: string;
  store?: string;
  uri?: string;
  uniqueDataHashes?: boolean;
}

/**
 * Where gateways read format documents by `blob:<hash>` URIs: `npm start`'s data directory's
 * BlobStore, and the standalone gateway's `--blob-dir` / BLOB_DIR, both `data/blobs` by default.
 */
const defaultFormatStore = () => process.env.BLOB_DIR ?? "data/blobs";

export const register = controlAction({
  parse: (a: RegisterArgs) => {
    if (a.store !== undefined && a.uri !== undefined) {
      throw new BaseError(
        "TASK_CONFLICTING_OPTIONS",
        "--store publishes the schema, --uri names where it is already published: pass one",
      );
    }
    return {
      schema: required("schema", a.schema),
      name: parseText("--name", required("name", a.name)),
      // Not --version: that is Hardhat's own global option.
      version: parseText("--format-version", required("format-version", a.formatVersion)),
      store: a.store,
      uri: a.uri === undefined ? undefined : parseText("--uri", a.uri),
      flags: a.uniqueDataHashes ? FORMAT_UNIQUE_DATA_HASHES : 0,
      dryRun: a.dryRun === true,
    };
  },
  signer: (env) => roleRule(env.reader, ["operator"]),
  plan: async (ctx, env, p) => {
    const root = env.hre.config.paths.root;
    const bytes = new Uint8Array(
      await readFile(path.resolve(root, p.schema)).catch((cause) => {
        throw new BaseError("FORMAT_SCHEMA_NOT_FOUND", `cannot read the schema ${p.schema}`, {
          cause,
          details: { schema: p.schema },
        });
      }),
    );
    const schemaHash = formatIdOfDocument(bytes);
    let uri: string;
    if (p.uri !== undefined) {
      // Published elsewhere: it must serve these very bytes, or the gateway refuses every record.
      await requireDocumentAt(p.uri, bytes, { baseDir: root });
      uri = p.uri;
    } else {
      uri = `blob:${schemaHash}`;
    }
    const plan = await planRegisterFormat(ctx, { schemaHash, ...p, uri });
    // Stored before the registration is sent, so the gateway finds the document as soon as a
    // record names the format; a dry run stores nothing.
    if (p.uri === undefined && !p.dryRun) {
      const store = new DirectoryBlobStore(path.resolve(root, p.store ?? defaultFormatStore()));
      await publishFormatDocument(store, bytes);
    }
    return plan;
  },
  done: (o) => `registered format ${o.formatId}`,
});

interface FormatIdArgs extends ControlTaskArgs {
  formatId?: string;
}

export const deprecate = controlAction({
  parse: (a: FormatIdArgs) => ({
    formatId: parseBytes32("--format-id", required("format-id", a.formatId)),
  }),
  signer: (env) => roleRule(env.reader, ["operator"]),
  plan: (ctx, _env, p) => planDeprecateFormat(ctx, p),
  done: (o) => `deprecated format ${o.formatId}`,
});

/** formats:show --format-id <id>, or every format without it. */
export const show = readAction({
  parse: (a: FormatIdArgs) => ({
    formatId: a.formatId === undefined ? undefined : parseBytes32("--format-id", a.formatId),
  }),
  read: async (ctx, _env, p) => {
    const ids = p.formatId === undefined ? await listFormatIds(ctx) : [p.formatId];
    return { formats: await Promise.all(ids.map((id) => readFormat(ctx, id))) };
  },
  text: ({ formats }: { formats: FormatView[] }) =>
    formats.length === 0
      ? ["no formats"]
      : formats.map(
          (f) =>
            `format ${f.formatId}: ${f.name} ${f.version}, ${f.status}${f.uniqueDataHashes ? ", unique data hashes" : ""}, ${f.uri}`,
        ),
});
