import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { Hex } from "viem";

import {
  formatIdOf,
  loadFormatDocument,
  type LoadFormatDocumentOptions,
} from "./loadFormatDocument.js";
import { RejectionError } from "./RejectionError.js";

// ajv-formats is CommonJS with a default export; Node's ESM loader hands over the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * Compiled JSON Schemas of registered formats, keyed by format id (Y.4561 8.6 step 1: data is
 * validated against its specified format before it is hashed and anchored). A schema document is
 * trusted only when keccak256 of its bytes is the format id, so whoever serves the URI cannot
 * change what a format means. Each schema is fetched and compiled once; a failed fetch is not
 * cached, so the next submission retries it.
 *
 * @example
 * const validate = await schemas.get(formatId, format.uri);
 * if (!validate(payload)) console.log(validate.errors);
 */
export class FormatSchemaCache {
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, Promise<ValidateFunction>>();

  constructor(readonly options: LoadFormatDocumentOptions = {}) {
    // strict: false because operators register third-party schemas we cannot edit; unknown
    // keywords in them are annotations, not errors.
    this.#ajv = new Ajv2020({ allErrors: false, strict: false });
    addFormats(this.#ajv);
  }

  get(formatId: Hex, uri: string): Promise<ValidateFunction> {
    const id = formatId.toLowerCase();
    let compiled = this.#compiled.get(id);
    if (!compiled) {
      compiled = this.#load(id as Hex, uri);
      this.#compiled.set(id, compiled);
      compiled.catch(() => this.#compiled.delete(id));
    }
    return compiled;
  }

  async #load(formatId: Hex, uri: string): Promise<ValidateFunction> {
    let bytes: Uint8Array;
    try {
      bytes = await loadFormatDocument(uri, this.options);
    } catch (cause) {
      throw new RejectionError(
        "FORMAT_SCHEMA_UNAVAILABLE",
        "The format's schema document cannot be fetched",
        { formatId, uri },
        cause,
      );
    }
    const actual = formatIdOf(bytes);
    if (actual !== formatId) {
      throw new RejectionError(
        "FORMAT_SCHEMA_UNAVAILABLE",
        "The format's schema document does not hash to the format id",
        { formatId, uri, actual },
      );
    }
    try {
      const schema = JSON.parse(new TextDecoder().decode(bytes));
      // The format id, not the document's own $id, names the schema: two formats may share an $id.
      if (typeof schema === "object" && schema !== null) delete schema.$id;
      return this.#ajv.compile(schema);
    } catch (cause) {
      throw new RejectionError(
        "FORMAT_SCHEMA_UNAVAILABLE",
        "The format's schema document is not a valid JSON Schema",
        { formatId, uri },
        cause,
      );
    }
  }
}
