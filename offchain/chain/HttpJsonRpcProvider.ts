import {
  FetchRequest,
  JsonRpcProvider,
  makeError,
  type JsonRpcApiProviderOptions,
  type JsonRpcError,
  type JsonRpcPayload,
  type JsonRpcResult,
  type Networkish,
} from "ethers";

import { httpPost } from "../shared/httpPost.js";

/** ethers' `FetchRequest` default. */
const DEFAULT_TIMEOUT_MS = 300_000;

/**
 * A `JsonRpcProvider` that posts its JSON-RPC bodies with node:http(s) on kept-alive
 * connections (`httpPost`).
 *
 * Why: ethers' `FetchRequest` converts every request and response body between string and bytes
 * in JavaScript (`toUtf8Bytes` / `toUtf8String`), and its node:http transport can emit an
 * unhandled "socket hang up" when a node closes a kept-alive connection just as a request reuses
 * it (ethers-io/ethers.js#1790). The gateway first used `fetch` here for that; `fetch` costs
 * ~3.5× the CPU of node:http per request, and the gateway syncs with the chain once per request
 * it serves. URLs that carry credentials, or that are not http(s), go through ethers' own
 * transport, with the same timeout.
 *
 * @example
 * const provider = new HttpJsonRpcProvider("http://127.0.0.1:8545", undefined, {
 *   batchStallTime: 0,
 *   timeoutMs: 30_000,
 * });
 * await provider.getBlockNumber();
 */
export class HttpJsonRpcProvider extends JsonRpcProvider {
  readonly #url: string | undefined;
  readonly #timeoutMs: number;
  // Ids of sendNow's requests: apart from the batch queue's, which restart at 1.
  #nextId = 1_000_000_000;

  constructor(
    url: string,
    network?: Networkish,
    options: JsonRpcApiProviderOptions & { timeoutMs?: number } = {},
  ) {
    const { timeoutMs = DEFAULT_TIMEOUT_MS, ...providerOptions } = options;
    const fallback = new FetchRequest(url);
    fallback.timeout = timeoutMs;
    super(fallback, network, providerOptions);
    this.#url = postableUrl(url);
    this.#timeoutMs = timeoutMs;
  }

  /**
   * One request sent at once, outside ethers' batch queue. Even at `batchStallTime: 0` that
   * queue waits for a timer before it sends, ~1.4 ms per call on an idle machine against
   * 0.35 ms for the request itself, and more while the event loop is busy: the gateway pays it
   * on the block-number read made for every request it serves.
   *
   * @example
   * const head = Number(await provider.sendNow("eth_blockNumber", []));
   */
  async sendNow(method: string, params: unknown[]): Promise<unknown> {
    const payload: JsonRpcPayload = { method, params, id: this.#nextId++, jsonrpc: "2.0" };
    const [result] = await this._send(payload);
    // _send's type says results only; a node's JSON-RPC errors come through it too.
    if ("error" in result) throw this.getRpcError(payload, result as unknown as JsonRpcError);
    return result.result;
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    if (this.#url === undefined) return super._send(payload);
    const response = await httpPost(this.#url, JSON.stringify(payload), "application/json", {
      timeoutMs: this.#timeoutMs,
    });
    if (response.status < 200 || response.status > 299) {
      // The origin only: paths often carry API keys.
      const origin = new URL(this.#url).origin;
      throw makeError(
        `server response ${response.status} ${response.statusText} from ${origin}`,
        "SERVER_ERROR",
        { request: origin },
      );
    }
    const body = JSON.parse(response.text) as JsonRpcResult | JsonRpcResult[];
    return Array.isArray(body) ? body : [body];
  }
}

function postableUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  if (parsed.username || parsed.password) return undefined;
  return parsed.href;
}
