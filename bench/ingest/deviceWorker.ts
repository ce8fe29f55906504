/**
 * Worker thread of simulated data sources (D): holds several device keys, pre-signs air-quality
 * readings with the SDK (createRecord + signRecord, EIP-712) before the clock starts, then sends
 * them as fast as the gateway takes them in bulk requests (`sendRecords`), `inFlight` requests at
 * a time, until `endAt`. Signing during the run happens only when the pre-signed pool runs dry,
 * and is counted, because it takes CPU from the gateway on a small machine.
 */
import { parentPort, workerData } from "node:worker_threads";

import type { Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { createRecord } from "../../offchain/sdk/createRecord.js";
import type { LedgerDomain } from "../../offchain/sdk/ledgerDomain.js";
import { sendRecords, type Submission } from "../../offchain/sdk/sendRecords.js";
import { signRecord } from "../../offchain/sdk/signRecord.js";
import { epochMs } from "./clock.js";

export interface DeviceWorkerData {
  workerIndex: number;
  gatewayUrl: string;
  deviceKeys: Hex[];
  domain: LedgerDomain;
  formatId: Hex;
  /** Records per bulk request. */
  batch: number;
  /** Bulk requests this worker keeps in flight. */
  inFlight: number;
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
}

export type DeviceWorkerMessage =
  | { type: "ready"; presigned: number; presignMs: number }
  | { type: "request"; stat: RequestStat }
  | { type: "done"; signedDuringRun: number };

export type DeviceWorkerCommand = { type: "start"; endAt: number };

const data = workerData as DeviceWorkerData;
const port = parentPort!;
const devices: PrivateKeyAccount[] = data.deviceKeys.map((key) => privateKeyToAccount(key));
const pool: Submission[] = [];
let seq = 0;

async function signOne(): Promise<Submission> {
  const n = seq++;
  const device = devices[n % devices.length];
  const sampledAt = Math.floor(Date.now() / 1000);
  const payload = {
    deviceId: `bench-${data.workerIndex}-${n % devices.length}`,
    pm25: 5 + ((n * 7) % 40),
    pm10: 10 + ((n * 3) % 60),
    sampledAt,
    seq: n,
  };
  const { record } = createRecord({ payload, formatId: data.formatId, sampledAt });
  const operation = await signRecord({
    account: device,
    domain: data.domain,
    record,
    // Far enough out that no record of a long run nears the gateway's deadline margin.
    deadline: sampledAt + 6 * 3600,
  });
  return { operation, payload };
}

const presignStart = Date.now();
while (pool.length < data.presign && Date.now() - presignStart < data.presignBudgetMs) {
  pool.push(await signOne());
}
port.postMessage({
  type: "ready",
  presigned: pool.length,
  presignMs: Date.now() - presignStart,
} satisfies DeviceWorkerMessage);

port.once("message", async (command: DeviceWorkerCommand) => {
  let signedDuringRun = 0;
  const take = async (): Promise<Submission[]> => {
    const batch = pool.splice(0, data.batch);
    while (batch.length < data.batch) {
      batch.push(await signOne());
      signedDuringRun++;
    }
    return batch;
  };
  const loop = async () => {
    while (epochMs() < command.endAt) {
      const submissions = await take();
      const stat: RequestStat = {
        sentAt: epochMs(),
        doneAt: 0,
        records: submissions.length,
        accepted: 0,
        rejected: 0,
        errors: {},
      };
      try {
        // One attempt: a retry would hide the gateway's real answer time.
        const verdicts = await sendRecords(data.gatewayUrl, submissions, { attempts: 1 });
        stat.doneAt = epochMs();
        for (const verdict of verdicts) {
          if (verdict.error) {
            stat.rejected++;
            stat.errors[verdict.error.code] = (stat.errors[verdict.error.code] ?? 0) + 1;
          } else {
            stat.accepted++;
            stat.sample ??= verdict.recordId;
          }
        }
      } catch (error) {
        stat.doneAt = epochMs();
        stat.rejected = submissions.length;
        const code = (error as { code?: string }).code ?? "REQUEST_FAILED";
        stat.errors[code] = submissions.length;
      }
      port.postMessage({ type: "request", stat } satisfies DeviceWorkerMessage);
    }
  };
  await Promise.all(Array.from({ length: data.inFlight }, loop));
  port.postMessage({ type: "done", signedDuringRun } satisfies DeviceWorkerMessage);
});
