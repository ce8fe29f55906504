import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

import { BaseError } from "../../offchain/shared/BaseError.js";

// ajv-formats is CommonJS with a default export; Node's ESM loader hands over the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  description?: string;
  headers?: Record<string, { required?: boolean; schema?: unknown }>;
  content?: Record<string, MediaType>;
}
interface Operation {
  parameters?: { name: string; in: string; schema?: unknown }[];
  requestBody?: { content?: Record<string, MediaType> };
  responses: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  components?: Record<string, unknown>;
}

/** An app as tests build it: `app.request()` without a port. */
export interface RequestableApp {
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

/**
 * A response that is not what the document says: the status is not listed for the operation
 * (UNDOCUMENTED_STATUS), the content type is not listed for the status
 * (UNDOCUMENTED_CONTENT_TYPE), the body does not match the schema (BODY_MISMATCH) or is there
 * where none is documented (UNDOCUMENTED_BODY), a required header is missing (HEADER_MISSING)
 * or does not match (HEADER_MISMATCH), or no operation of the document serves the request
 * (UNDOCUMENTED_OPERATION).
 */
export class ConformanceError extends BaseError {
  constructor(code: string, shortMessage: string, details: Record<string, unknown> = {}) {
    super(code, shortMessage, { details });
    // What a failing test prints: the details say what the document lists or Ajv found.
    this.message = `${this.message} ${JSON.stringify(details)}`;
  }
}

export interface CheckedResponse {
  /** "GET /v1/records/{recordId}": the operation that answered. */
  operation: string;
  status: number;
  mediaType: string;
  /** The parsed JSON body, or the text of any other body. */
  body: unknown;
  response: Response;
}

/**
 * Holds an app's `/openapi.json` and checks it three ways: against the OpenAPI specification's
 * own JSON Schema (the standard validator); every schema in it compiled with Ajv in strict mode
 * (JSON Schema 2020-12, as OpenAPI 3.1 says); and real responses against the operation that
 * answered them: status, content type, body schema, documented headers. Each checked response is
 * counted, so a test can say which operations it never saw succeed.
 *
 * @example
 * const api = await OpenApiConformance.of(app);
 * expect((await api.validateDocument()).errors).to.equal(undefined);
 * const { body } = await api.request("/v1/records/0x…"); // throws ConformanceError if undocumented
 */
export class OpenApiConformance {
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction>();
  /** Statuses seen per operation. */
  readonly seen = new Map<string, Set<number>>();

  private constructor(
    readonly document: OpenApiDocument,
    readonly app: RequestableApp,
  ) {
    this.#ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
    addFormats(this.#ajv);
    // The OpenAPI 3.1 dialect: JSON Schema 2020-12 plus these annotation keywords.
    this.#ajv.addVocabulary(["example", "discriminator", "xml", "externalDocs"]);
    // The document is one schema resource, so that `#/components/schemas/…` refs resolve in it;
    // only the parts that hold schemas, as keywords Ajv passes over.
    this.#ajv.addKeyword("components");
    this.#ajv.addKeyword("paths");
    this.#ajv.addSchema({
      $id: DOCUMENT_ID,
      components: document.components,
      paths: document.paths,
    });
  }

  /** Reads the app's `/openapi.json`. */
  static async of(app: RequestableApp, path = "/openapi.json"): Promise<OpenApiConformance> {
    const response = await app.request(path);
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
    return new OpenApiConformance((await response.json()) as OpenApiDocument, app);
  }

  /** The standard validator's verdict: the document against the OpenAPI specification's schema. */
  async validateDocument(): Promise<{ valid: boolean; errors?: unknown }> {
    // A copy: the validator keeps and may annotate what it is given.
    return new Validator().validate(
      structuredClone(this.document) as unknown as Record<string, unknown>,
    );
  }

  /** Compiles every parameter, request body, response body and header schema; lists failures. */
  compileAll(): { where: string; error: string }[] {
    const failures: { where: string; error: string }[] = [];
    const attempt = (where: string, pointer: string[]) => {
      try {
        this.#validator(pointer);
      } catch (error) {
        failures.push({ where, error: (error as Error).message });
      }
    };
    for (const [path, item] of Object.entries(this.document.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const at = [path, method];
        const name = `${method.toUpperCase()} ${path}`;
        op.parameters?.forEach((p, i) => {
          if (p.schema)
            attempt(`${name} parameter ${p.name}`, [...at, "parameters", `${i}`, "schema"]);
        });
        for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
          if (media.schema) {
            attempt(`${name} request ${type}`, [...at, "requestBody", "content", type, "schema"]);
          }
        }
        for (const [status, res] of Object.entries(op.responses)) {
          for (const [type, media] of Object.entries(res.content ?? {})) {
            if (media.schema) {
              attempt(`${name} ${status} ${type}`, [
                ...at,
                "responses",
                status,
                "content",
                type,
                "schema",
              ]);
            }
          }
          for (const [header, h] of Object.entries(res.headers ?? {})) {
            if (h.schema) {
              attempt(`${name} ${status} header ${header}`, [
                ...at,
                "responses",
                status,
                "headers",
                header,
                "schema",
              ]);
            }
          }
        }
      }
    }
    return failures;
  }

  /** `app.request()`, then `check()` of what it answered. */
  async request(path: string, init: RequestInit = {}): Promise<CheckedResponse> {
    const response = await this.app.request(path, init);
    return this.check(init.method ?? "GET", path, response);
  }

  /**
   * Checks one response against the operation the document has for `method` and `url`.
   *
   * @throws {ConformanceError} with the code of the first thing that does not match.
   */
  async check(method: string, url: string, response: Response): Promise<CheckedResponse> {
    const { path, operation: op } = this.#operation(method, url);
    const operation = `${method.toUpperCase()} ${path}`;
    const status = response.status;
    const at = [path, method.toLowerCase(), "responses", String(status)];
    const documented = op.responses[String(status)];
    if (!documented) {
      throw new ConformanceError("UNDOCUMENTED_STATUS", `${operation} answered ${status}`, {
        documented: Object.keys(op.responses),
        body: await response.clone().text(),
      });
    }
    this.seen.set(operation, (this.seen.get(operation) ?? new Set()).add(status));

    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      const value = response.headers.get(name);
      if (value === null) {
        if (header.required) {
          throw new ConformanceError("HEADER_MISSING", `${operation} ${status} lacks ${name}`);
        }
        continue;
      }
      if (header.schema)
        this.#expectValid("HEADER_MISMATCH", operation, [...at, "headers", name, "schema"], value);
    }

    const text = await response.clone().text();
    const contentType = response.headers.get("content-type");
    if (!documented.content || Object.keys(documented.content).length === 0) {
      if (text !== "" || contentType) {
        throw new ConformanceError("UNDOCUMENTED_BODY", `${operation} ${status} has a body`, {
          contentType,
          body: text.slice(0, 200),
        });
      }
      return { operation, status, mediaType: "", body: undefined, response };
    }
    const mediaType = (contentType ?? "").split(";")[0].trim().toLowerCase();
    if (!Object.hasOwn(documented.content, mediaType)) {
      throw new ConformanceError(
        "UNDOCUMENTED_CONTENT_TYPE",
        `${operation} ${status} answered ${contentType ?? "no content type"}`,
        { documented: Object.keys(documented.content) },
      );
    }
    if (!isJsonMediaType(mediaType)) return { operation, status, mediaType, body: text, response };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ConformanceError("BODY_MISMATCH", `${operation} ${status} is not JSON`, {
        body: text.slice(0, 200),
      });
    }
    if (documented.content[mediaType].schema) {
      this.#expectValid("BODY_MISMATCH", operation, [...at, "content", mediaType, "schema"], body);
    }
    return { operation, status, mediaType, body, response };
  }

  /** Operations of the document never seen answering a 2xx. */
  neverSucceeded(): string[] {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(this.document.paths)) {
      for (const method of METHODS) {
        if (!item[method]) continue;
        const operation = `${method.toUpperCase()} ${path}`;
        if (![...(this.seen.get(operation) ?? [])].some((s) => s >= 200 && s < 300)) {
          missing.push(operation);
        }
      }
    }
    return missing;
  }

  /** Counts what `other` (another app with the same document) saw as seen here too. */
  merge(other: OpenApiConformance): void {
    for (const [operation, statuses] of other.seen) {
      const mine = this.seen.get(operation) ?? new Set<number>();
      for (const status of statuses) mine.add(status);
      this.seen.set(operation, mine);
    }
  }

  /** "GET /v1/records: 200 400 401" for each operation: what the test saw, for the log. */
  coverage(): string[] {
    return [...this.seen].map(
      ([op, statuses]) => `${op}: ${[...statuses].sort((a, b) => a - b).join(" ")}`,
    );
  }

  #expectValid(code: string, operation: string, pointer: string[], value: unknown): void {
    const validate = this.#validator(pointer);
    if (!validate(value)) {
      throw new ConformanceError(
        code,
        `${operation}: ${pointer.slice(2).join(" ")} does not match`,
        {
          errors: (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message}`),
          value: JSON.stringify(value)?.slice(0, 300),
        },
      );
    }
  }

  #validator(pointer: string[]): ValidateFunction {
    const ref = `${DOCUMENT_ID}#/paths/${pointer.map((p) => encodeURIComponent(p.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/")}`;
    let validate = this.#compiled.get(ref);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: ref });
      this.#compiled.set(ref, validate);
    }
    return validate;
  }

  /** The operation for a request: literal path segments win over `{params}`. */
  #operation(method: string, url: string): { path: string; operation: Operation } {
    const pathname = new URL(url, "http://test").pathname;
    const templates = Object.keys(this.document.paths).sort(
      (a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0),
    );
    for (const path of templates) {
      const pattern = new RegExp(
        `^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`,
      );
      const operation = this.document.paths[path][method.toLowerCase() as (typeof METHODS)[number]];
      if (operation && pattern.test(pathname)) return { path, operation };
    }
    throw new ConformanceError("UNDOCUMENTED_OPERATION", `No operation for ${method} ${pathname}`);
  }
}

const DOCUMENT_ID = "https://dataledger.test/openapi.json";

function isJsonMediaType(mediaType: string): boolean {
  return /^application\/(?:[\w.-]+\+)?json$/.test(mediaType);
}
