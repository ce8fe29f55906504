import type { Hex, PrivateKeyAccount } from "viem";

import { createRecord } from "../sdk/createRecord.js";
import type { LedgerDomain } from "../sdk/ledgerDomain.js";
import { sendRecords, type Submission } from "../sdk/sendRecords.js";
import { signRecord } from "../sdk/signRecord.js";

export interface DeviceSimulation {
  /** Accepted records not yet verified, with their payloads (the devices' own copy). */
  pending: Map<Hex, unknown>;
  accepted: number;
  rejected: number;
  stop(): Promise<void>;
}

/**
 * Simulated data source actors (D): every `intervalMs` each device signs a batch of air-quality
 * readings with its own key (EIP-712) and sends them to the gateway in one bulk request (R2D).
 *
 * @example
 * const sim = simulateDevices({ devices, domain, formatId, gatewayUrl, intervalMs: 1000, batch: 5 });
 */
export function simulateDevices(options: {
  devices: PrivateKeyAccount[];
  domain: LedgerDomain;
  formatId: Hex;
  gatewayUrl: string;
  intervalMs: number;
  batch: number;
  onError?: (error: unknown) => void;
}): DeviceSimulation {
  const state: DeviceSimulation = {
    pending: new Map(),
    accepted: 0,
    rejected: 0,
    stop: async () => {},
  };
  let running = true;
  let seq = 0;

  const loop = async (device: PrivateKeyAccount, index: number) => {
    while (running) {
      try {
        const submissions: Submission[] = [];
        for (let i = 0; i < options.batch; i++) {
          const sampledAt = Math.floor(Date.now() / 1000);
          const payload = {
            deviceId: `air-${index + 1}`,
            pm25: 5 + ((seq * 7) % 40),
            pm10: 10 + ((seq * 3) % 60),
            sampledAt,
            seq: seq++,
          };
          const { record } = createRecord({ payload, formatId: options.formatId, sampledAt });
          const operation = await signRecord({
            account: device,
            domain: options.domain,
            record,
            deadline: sampledAt + 3600,
          });
          submissions.push({ operation, payload });
        }
        const verdicts = await sendRecords(options.gatewayUrl, submissions);
        verdicts.forEach((v, i) => {
          if (v.recordId) {
            state.accepted++;
            state.pending.set(v.recordId, submissions[i].payload);
          } else state.rejected++;
        });
      } catch (error) {
        options.onError?.(error);
      }
      await sleep(options.intervalMs);
    }
  };
  const loops = options.devices.map(loop);
  state.stop = async () => {
    running = false;
    await Promise.all(loops);
  };
  return state;
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
