import os from "node:os";
import { Worker } from "node:worker_threads";

import { loadNativeSecp256k1 } from "../../offchain/shared/nativeSecp256k1.js";
import type {
  RecoveryImplementation,
  RecoveryWorkerData,
  RecoveryWorkerResult,
} from "./recoveryWorker.js";

export interface RecoveryCeiling {
  implementation: RecoveryImplementation;
  library: string;
  workers: number;
  /** Recoveries per second, all workers together. */
  perSecond: number;
  /** The same divided by the number of workers. */
  perSecondPerCore: number;
}

const LIBRARIES: Record<RecoveryImplementation, string> = {
  noble: "viem recoverAddress → @noble/curves (pure JS)",
  native: "secp256k1 (libsecp256k1, prebuilt N-API binding)",
};

/**
 * secp256k1 public-key recoveries per second on all cores (one worker thread per core), per
 * implementation, one implementation after the other. The native one is skipped when its
 * prebuilt binding is not installed.
 *
 * @example
 * const ceilings = await measureRecoveryCeiling({ durationMs: 3_000 });
 */
export async function measureRecoveryCeiling(options: {
  durationMs: number;
  workers?: number;
  track: (worker: Worker) => void;
}): Promise<RecoveryCeiling[]> {
  const workers = options.workers ?? os.availableParallelism();
  const implementations: RecoveryImplementation[] = loadNativeSecp256k1()
    ? ["noble", "native"]
    : ["noble"];
  const results: RecoveryCeiling[] = [];
  for (const implementation of implementations) {
    const runs = await Promise.all(
      Array.from({ length: workers }, () => {
        const worker = new Worker(new URL("./recoveryWorker.ts", import.meta.url), {
          workerData: {
            implementation,
            durationMs: options.durationMs,
            pairs: 64,
          } satisfies RecoveryWorkerData,
        });
        options.track(worker);
        return new Promise<RecoveryWorkerResult>((resolve, reject) => {
          worker.once("message", resolve);
          worker.once("error", reject);
          worker.once("exit", (code) => reject(new Error(`recovery worker exited with ${code}`)));
        }).finally(() => void worker.terminate());
      }),
    );
    const perSecond = runs.reduce((sum, r) => sum + (r.recoveries * 1000) / r.elapsedMs, 0);
    results.push({
      implementation,
      library: LIBRARIES[implementation],
      workers,
      perSecond: Math.round(perSecond),
      perSecondPerCore: Math.round(perSecond / workers),
    });
  }
  return results;
}
