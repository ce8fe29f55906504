/**
 * Worker thread of the machine-ceiling measurement: how many secp256k1 public-key recoveries
 * (the cost of checking one device signature) one core does per second, with the pure-JS
 * implementation the gateway uses (viem `recoverAddress` → @noble/curves) or a native
 * libsecp256k1 binding (npm `secp256k1`, prebuilt). Both end in the same keccak256 of the public
 * key, so the figures compare like for like.
 */
import { parentPort, workerData } from "node:worker_threads";

import { hexToBytes, keccak256, recoverAddress, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { loadNativeSecp256k1 } from "../../offchain/shared/nativeSecp256k1.js";

export type RecoveryImplementation = "noble" | "native";

export interface RecoveryWorkerData {
  implementation: RecoveryImplementation;
  durationMs: number;
  /** Distinct (hash, signature) pairs cycled through. */
  pairs: number;
}

export interface RecoveryWorkerResult {
  recoveries: number;
  elapsedMs: number;
}

const data = workerData as RecoveryWorkerData | undefined;
if (parentPort && data) {
  const account = privateKeyToAccount(generatePrivateKey());
  const pairs: { hash: Hex; signature: Hex }[] = [];
  for (let i = 0; i < data.pairs; i++) {
    const hash = keccak256(new Uint8Array([i & 0xff, i >> 8]));
    pairs.push({ hash, signature: await account.sign({ hash }) });
  }

  let recover: (i: number) => Promise<unknown> | unknown;
  if (data.implementation === "noble") {
    recover = (i) => recoverAddress(pairs[i]);
  } else {
    const native = loadNativeSecp256k1();
    if (!native) throw new Error("native secp256k1 binding not available");
    const prepared = pairs.map(({ hash, signature }) => {
      const bytes = hexToBytes(signature);
      return { message: hexToBytes(hash), rs: bytes.subarray(0, 64), recid: bytes[64] - 27 };
    });
    recover = (i) => {
      const { rs, recid, message } = prepared[i];
      const publicKey = native.ecdsaRecover(rs, recid, message, false);
      return `0x${keccak256(publicKey.subarray(1)).slice(-40)}`;
    };
    // The native path must recover the key viem signed with, or its speed means nothing.
    if (recover(0) !== account.address.toLowerCase()) throw new Error("native recovery mismatch");
  }
  const start = performance.now();
  let recoveries = 0;
  while (performance.now() - start < data.durationMs) {
    for (let k = 0; k < 16; k++) {
      const result = recover(recoveries++ % pairs.length);
      if (result instanceof Promise) await result;
    }
  }
  parentPort.postMessage({
    recoveries,
    elapsedMs: performance.now() - start,
  } satisfies RecoveryWorkerResult);
}
