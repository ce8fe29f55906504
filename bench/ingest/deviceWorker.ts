/**
 * Worker thread of simulated data sources (D): holds several device keys, pre-signs air-quality
 * readings (EIP-712, the SDK's exact submissions, with native libsecp256k1 through `presign.ts`)
 * and pre-serializes them into NDJSON bulk bodies before the clock starts, then posts those bodies
 * until `endAt`: as fast as the gateway takes them, `inFlight` requests at a time (closed loop),
 * or one every `batch / rate` seconds (open loop, `rate` set). Sending a
 * prebuilt body costs next to no CPU, so the run measures the gateway, not the devices. Signing
 * during the run happens only when the pre-signed pool runs dry, and is counted, because it takes
 * CPU from the gateway on a small machine.
 */
import { parentPort, workerData } from "node:worker_threads";

import type { Hex } from "viem";

import { canonicalJson } from "../../offchain/sdk/canonicalJson.js";
import type { LedgerDomain } from "../../offchain/sdk/ledgerDomain.js";
import { sealPayload } from "../../offchain/sdk/sealPayload.js";
import type { Submission, Verdict } from "../../offchain/sdk/wire.js";
import { httpPost } from "../../offchain/shared/httpPost.js";
import { epochMs } from "./clock.js";
import { createPresigner } from "./presign.js";

export interface DeviceWorkerData {
  workerIndex: number;
  gatewayUrl: string;
  deviceKeys: Hex[];
  domain: LedgerDomain;
  formatId: Hex;
  /**
   * Set for a confidential format: each reading is sealed on the device (`sealPayload`, its data
   * key wrapped for these X25519 keys) and the envelope is the record's payload.
   */
  readerKeys?: Hex[];
  /** Records per bulk request. */
  batch: number;
  /** Bulk requests this worker keeps in flight (closed loop), or at most has (open loop). */
  inFlight: number;
  /**
   * Records per second this worker offers on a fixed schedule (open loop); without it, each
   * request goes out when an earlier one is answered (closed loop).
   */
  rate?: number;
  /** Records to sign before the run; fewer when `presignBudgetMs` runs out first. */
  presign: number;
  presignBudgetMs: number;
}

/** One bulk request as the device saw it. */
export interface RequestStat {
  sentAt: number;
  doneAt: number;
  records: number;
  accepted: number;
  rejected: number;
  /** Gateway error code (rejected items, or the whole request failing) → count. */
  errors: Record<string, number>;
  /** One accepted record of the request, followed to "anchored" by the main thread. */
  sample?: Hex;
  /**
   * The gateway's backlog was full (503 GATEWAY_BUSY): nothing was stored and the device sends
   * the same records again shortly. Not a rejection; `sentAt` of the resend is the first send's.
   */
  deferred?: boolean;
}

export type DeviceWorkerMessage =
  | {
      type: "ready";
      presigned: number;
      presignMs: number;
      /** Which signer the worker used: "native" libsecp256k1 or the pure-JS "viem" fallback. */
      signer?: "native" | "viem";
      /** Canonical bytes of the last record's payload (the envelope when sealed). */
      payloadBytes?: number;
    }
  | { type: "request"; stat: RequestStat }
  | { type: "done"; signedDuringRun: number };

export type DeviceWorkerCommand = { type: "start"; endAt: number };

/** A bulk request body ready to post: `records` NDJSON lines. */
interface Body {
  ndjson: string;
  records: number;
  /** When the device first sent these records, if it is resending them. */
  firstSentAt?: number;
}

/** How long a device waits after GATEWAY_BUSY: shorter than Retry-After's 1 s, to keep load on. */
const BUSY_BACKOFF_MS = 100;

const data = workerData as DeviceWorkerData;
const port = parentPort!;
const bulkUrl = `${data.gatewayUrl.replace(/\/+$/, "")}/v1/records/bulk`;
const devices = await Promise.all(data.deviceKeys.map((key) => createPresigner(key, data.domain)));
const bodies: Body[] = [];
/** Signed lines not yet making up a full body. */
let lines: string[] = [];
let seq = 0;
let lastPayload: unknown;

async function signOne(): Promise<Submission> {
  const n = seq++;
  const device = devices[n % devices.length];
  const sampledAt = Math.floor(Date.now() / 1000);
  // workerIndex and seq keep every payload, hence every record id, unique across workers and runs.
  const reading = {
    deviceId: `bench-${data.workerIndex}-${n % devices.length}`,
    pm25: 5 + ((n * 7) % 40),
    pm10: 10 + ((n * 3) % 60),
    sampledAt,
    seq: n,
  };
  // The wraps would go to the service (PUT /v1/records/{id}/wraps), never to the gateway.
  const payload = data.readerKeys
    ? sealPayload({ payload: reading, readerKeys: data.readerKeys }).envelope
    : reading;
  lastPayload = payload;
  return device.sign({
    payload,
    formatId: data.formatId,
    sampledAt,
    // Far enough out that no record of a long run nears the gateway's deadline margin.
    deadline: sampledAt + 6 * 3600,
    // The run registers its device sources afresh (registerDevices) and never suspends them.
    epoch: 0,
  });
}

const presignStart = Date.now();
while (seq < data.presign && Date.now() - presignStart < data.presignBudgetMs) {
  // NDJSON needs no escaping: JSON.stringify never emits a raw newline.
  lines.push(JSON.stringify(await signOne()));
  if (lines.length === data.batch) {
    bodies.push({ ndjson: lines.join("\n"), records: lines.length });
    lines = [];
  }
}
port.postMessage({
  type: "ready",
  presigned: seq,
  presignMs: Date.now() - presignStart,
  signer: devices[0]?.implementation,
  payloadBytes:
    lastPayload === undefined
      ? undefined
      : new TextEncoder().encode(canonicalJson(lastPayload)).length,
} satisfies DeviceWorkerMessage);

/** What the gateway said about a whole request it did not take. */
function requestErrorCode(status: number, text: string): string {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? `HTTP_${status}`;
  } catch {
    return `HTTP_${status}`;
  }
}

port.once("message", async (command: DeviceWorkerCommand) => {
  let signedDuringRun = 0;
  const take = async (): Promise<Body> => {
    const body = bodies.shift();
    if (body) return body;
    const batch = lines;
    lines = [];
    while (batch.length < data.batch) {
      batch.push(JSON.stringify(await signOne()));
      signedDuringRun++;
    }
    return { ndjson: batch.join("\n"), records: batch.length };
  };
  if (data.rate) await openLoop(command.endAt, data.rate, take);
  else await closedLoop(command.endAt, take);
  port.postMessage({ type: "done", signedDuringRun } satisfies DeviceWorkerMessage);
});

/** `inFlight` requests at a time, each sent as soon as the one before it was answered. */
async function closedLoop(endAt: number, take: () => Promise<Body>): Promise<void> {
  const loop = async () => {
    while (epochMs() < endAt) {
      const body = await take();
      const { deferred } = await post(body, body.firstSentAt ?? epochMs());
      if (deferred) await sleep(BUSY_BACKOFF_MS);
    }
  };
  await Promise.all(Array.from({ length: data.inFlight }, loop));
}

/**
 * A bulk every `batch / rate` seconds on a fixed schedule, whether or not earlier ones were
 * answered (at most `inFlight` at once): devices that sample at their own pace. A request's
 * latency counts from its slot in the schedule, so a gateway that falls behind shows it as
 * latency instead of as fewer requests (no coordinated omission). A deferred bulk goes out
 * again in the next slot.
 */
async function openLoop(endAt: number, rate: number, take: () => Promise<Body>): Promise<void> {
  const intervalMs = (data.batch / rate) * 1000;
  const open = new Set<Promise<unknown>>();
  for (let slot = epochMs(); slot < endAt; slot += intervalMs) {
    const wait = slot - epochMs();
    if (wait > 0) await sleep(wait);
    while (open.size >= data.inFlight) await Promise.race(open);
    const body = await take();
    const request = post(body, body.firstSentAt ?? slot);
    open.add(request);
    void request.finally(() => open.delete(request));
  }
  await Promise.all(open);
}

/** Sends one bulk, once (a retry would hide the gateway's real answer time), and reports it. */
async function post(body: Body, sentAt: number): Promise<{ deferred: boolean }> {
  const { ndjson, records } = body;
  const stat: RequestStat = { sentAt, doneAt: 0, records, accepted: 0, rejected: 0, errors: {} };
  const fail = (code: string) => {
    stat.accepted = 0;
    stat.sample = undefined;
    stat.rejected = records;
    stat.errors[code] = records;
  };
  try {
    const { status, text } = await httpPost(bulkUrl, ndjson, "application/x-ndjson");
    stat.doneAt = epochMs();
    const ok = status >= 200 && status < 300;
    const code = ok ? undefined : requestErrorCode(status, text);
    if (code === "GATEWAY_BUSY") {
      stat.deferred = true;
      bodies.unshift({ ...body, firstSentAt: sentAt });
    } else if (code) {
      fail(code);
    } else {
      for (const verdict of (JSON.parse(text) as { results: Verdict[] }).results) {
        if (verdict.error) {
          stat.rejected++;
          stat.errors[verdict.error.code] = (stat.errors[verdict.error.code] ?? 0) + 1;
        } else {
          stat.accepted++;
          stat.sample ??= verdict.recordId;
        }
      }
    }
  } catch {
    // No answer at all (connection refused or reset), or one that is not a bulk result.
    fail(stat.doneAt === 0 ? "GATEWAY_UNAVAILABLE" : "REQUEST_FAILED");
    stat.doneAt ||= epochMs();
  }
  port.postMessage({ type: "request", stat } satisfies DeviceWorkerMessage);
  return { deferred: stat.deferred === true };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
