import { FetchRequest, type FetchGetUrlFunc } from "ethers";

/**
 * Makes ethers send its JSON-RPC requests with the platform's `fetch` instead of node:http.
 *
 * Why: ethers' node:http transport can emit an unhandled "socket hang up" (ECONNRESET) when a
 * node closes a kept-alive connection just as a request reuses it (ethers-io/ethers.js#1790),
 * which kills the whole process. `fetch` reports the same failure as a rejected promise, which
 * our retry loops already handle. Call once at process start; idempotent.
 *
 * @example
 * useFetchForEthers();
 * const provider = new JsonRpcProvider(rpcUrl);
 */
export function useFetchForEthers(): void {
  if (registered) return;
  registered = true;
  FetchRequest.registerGetUrl(fetchGetUrl);
}

let registered = false;

const fetchGetUrl: FetchGetUrlFunc = async (request, signal) => {
  const controller = new AbortController();
  signal?.addListener(() => controller.abort());
  const timer = setTimeout(() => controller.abort(), request.timeout);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: Object.fromEntries(Object.entries(request.headers)),
      body: request.body ? Buffer.from(request.body) : undefined,
      signal: controller.signal,
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key.toLowerCase()] = value));
    return {
      statusCode: response.status,
      statusMessage: response.statusText,
      headers,
      body: new Uint8Array(await response.arrayBuffer()),
    };
  } finally {
    clearTimeout(timer);
  }
};
