import {
  FetchRequest,
  JsonRpcProvider,
  makeError,
  type JsonRpcApiProviderOptions,
  type JsonRpcPayload,
  type JsonRpcResult,
  type Networkish,
} from "ethers";

/** ethers' `FetchRequest` default. */
const DEFAULT_TIMEOUT_MS = 300_000;

/**
 * A `JsonRpcProvider` that posts its JSON-RPC bodies with Node's global `fetch`.
 *
 * Why: ethers' `FetchRequest` converts every request and response body between string and bytes
 * in JavaScript (`toUtf8Bytes` / `toUtf8String`). The gateway's hot `eth_call` bodies are ~32 KB
 * each way, so at ~7,500 records/s that was ~1 s of 24 s of main-thread time in a CPU profile;
 * `fetch` does the same conversions natively. URLs that `fetch` refuses (credentials in the URL)
 * or cannot serve (not http(s)) go through ethers' own transport, with the same timeout.
 *
 * @example
 * const provider = new FetchJsonRpcProvider("http://127.0.0.1:8545", undefined, {
 *   batchStallTime: 0,
 *   timeoutMs: 30_000,
 * });
 * await provider.getBlockNumber();
 */
export class FetchJsonRpcProvider extends JsonRpcProvider {
  readonly #url: string | undefined;
  readonly #timeoutMs: number;

  constructor(
    url: string,
    network?: Networkish,
    options: JsonRpcApiProviderOptions & { timeoutMs?: number } = {},
  ) {
    const { timeoutMs = DEFAULT_TIMEOUT_MS, ...providerOptions } = options;
    const fallback = new FetchRequest(url);
    fallback.timeout = timeoutMs;
    super(fallback, network, providerOptions);
    this.#url = fetchableUrl(url);
    this.#timeoutMs = timeoutMs;
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    if (this.#url === undefined) return super._send(payload);
    const response = await fetch(this.#url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel(); // frees the kept-alive connection
      // The origin only: paths often carry API keys.
      const origin = new URL(this.#url).origin;
      throw makeError(
        `server response ${response.status} ${response.statusText} from ${origin}`,
        "SERVER_ERROR",
        { request: origin },
      );
    }
    const body = (await response.json()) as JsonRpcResult | JsonRpcResult[];
    return Array.isArray(body) ? body : [body];
  }
}

function fetchableUrl(url: string): string | undefined {
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
