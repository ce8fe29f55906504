import type { Address, Hex, PrivateKeyAccount } from "viem";

import { createRecord } from "../sdk/createRecord.js";
import type { LedgerDomain } from "../sdk/ledgerDomain.js";
import { readSourceEpoch } from "../sdk/readSourceEpoch.js";
import { sendRecords } from "../sdk/sendRecords.js";
import type { Submission } from "../sdk/wire.js";
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
 * readings with its own key (EIP-712, in its source's signing epoch) and sends them to the
 * gateway in one bulk request (R2D). Each device reads its epoch from the ledger when it starts
 * (a resumed system's sources may have moved on) and again when the gateway answers
 * `SIGNATURE_STALE_EPOCH` (an operator suspended and reactivated it, or rotated its key).
 *
 * @example
 * const sim = simulateDevices({ devices, domain, rpcUrl, formatId, gatewayUrl, intervalMs: 1000, batch: 5 });
 */
export function simulateDevices(options: {
  devices: PrivateKeyAccount[];
  domain: LedgerDomain;
  /** JSON-RPC endpoint of the ledger's chain, for the devices' signing epochs. */
  rpcUrl: string;
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

  const ledgerAddress: Address = options.domain.verifyingContract;
  const loop = async (device: PrivateKeyAccount, index: number) => {
    let epoch: number | undefined;
    while (running) {
      try {
        epoch ??= await readSourceEpoch({
          rpcUrl: options.rpcUrl,
          ledgerAddress,
          source: device.address,
        });
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
            epoch,
          });
          submissions.push({ operation, payload });
        }
        const verdicts = await sendRecords(options.gatewayUrl, submissions);
        verdicts.forEach((v, i) => {
          // A refusal names the record id too (it is known from the operation): the verdict's
          // error, not its id, says whether the record was accepted.
          if (v.error === undefined && v.recordId) {
            state.accepted++;
            state.pending.set(v.recordId, submissions[i].payload);
          } else {
            state.rejected++;
            // Signed in an epoch the source has left: read it again before the next batch.
            if (v.error?.code === "SIGNATURE_STALE_EPOCH") epoch = undefined;
          }
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
