import { readFile } from "node:fs/promises";

import type {
  GatewaySettings,
  GatewaySettingsPatch,
} from "../representation/control/GatewayControl.js";
import type { SourceQuota, SourceQuotaState } from "../representation/accept/SubmissionQuotas.js";
import { BaseError } from "../shared/BaseError.js";

/** The settings in force on a gateway, and which an operator changed. */
export interface GatewaySettingsState {
  settings: GatewaySettings;
  overridden: (keyof GatewaySettings)[];
}

/** Where a gateway's C2R routes are and the token they need. */
export interface C2RTarget {
  /** The gateway's base URL, e.g. http://127.0.0.1:8787. */
  gatewayUrl: string;
  /** Its control token (GATEWAY_CONTROL_TOKEN; `npm start` keeps it in data/control-token). */
  token: string;
  fetch?: typeof fetch;
}

/**
 * The controlling FE's side of C2R (Y.4561 8.8 steps 2–4: control → representation FE): typed
 * calls to a running gateway's `/v1/control/*` routes. What they change (quotas, batching and
 * backlog limits) is off-chain and takes effect without a restart; nothing here signs for the
 * chain. A refusal is a BaseError with the gateway's code (CONTROL_UNAUTHORIZED,
 * VALIDATION_FAILED); a gateway that does not answer is GATEWAY_UNAVAILABLE.
 *
 * @example
 * const c2r = createC2RClient({ gatewayUrl, token: await readControlToken("data/control-token") });
 * await c2r.setQuota(3n, { records: 600, periodSec: 3600 });
 */
export function createC2RClient(target: C2RTarget) {
  const base = `${target.gatewayUrl.replace(/\/+$/, "")}/v1/control`;
  const doFetch = target.fetch ?? globalThis.fetch;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${target.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new BaseError(
        "GATEWAY_UNAVAILABLE",
        `the gateway at ${target.gatewayUrl} did not answer`,
        {
          cause,
          retryable: true,
          details: { url: target.gatewayUrl },
        },
      );
    }
    const text = await response.text();
    const parsed = text === "" ? undefined : (JSON.parse(text) as unknown);
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: { code: string; message: string; details?: object } })
      ?.error;
    // The gateway answers NOT_FOUND for every /v1/control route when it has no control token.
    throw new BaseError(
      error?.code === "NOT_FOUND" ? "CONTROL_DISABLED" : (error?.code ?? `HTTP_${response.status}`),
      error?.code === "NOT_FOUND"
        ? "the gateway has no control API: start it with GATEWAY_CONTROL_TOKEN"
        : (error?.message ?? text),
      { details: { httpStatus: response.status, ...(error?.details ?? {}) } },
    );
  };
  return {
    listQuotas: async () => (await call<{ quotas: SourceQuotaState[] }>("GET", "/quotas")).quotas,
    setQuota: (sourceId: bigint, quota: SourceQuota) =>
      call<SourceQuotaState>("PUT", `/quotas/${sourceId}`, quota),
    removeQuota: (sourceId: bigint) => call<undefined>("DELETE", `/quotas/${sourceId}`),
    readSettings: () => call<GatewaySettingsState>("GET", "/settings"),
    updateSettings: (patch: GatewaySettingsPatch) =>
      call<GatewaySettingsState>("PATCH", "/settings", patch),
  };
}

export type C2RClient = ReturnType<typeof createC2RClient>;

/** Reads a control token file (`npm start` writes data/control-token); trims the newline. */
export async function readControlToken(file: string): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (cause) {
    throw new BaseError("CONTROL_TOKEN_UNREADABLE", `cannot read the control token file ${file}`, {
      cause,
      details: { file },
    });
  }
}
