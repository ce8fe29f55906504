import { Worker } from "node:worker_threads";

import { domainSeparator } from "viem";

import type { LedgerDomain } from "../../sdk/ledgerDomain.js";
import type { SignedOperation } from "../../sdk/wire.js";
import { verifyRecordSignature } from "../../sdk/verifyRecordSignature.js";
import { keccak256Bytes } from "../../shared/keccak.js";
import { loadNativeSecp256k1 } from "../../shared/nativeSecp256k1.js";
import { hexBytes, recordDigest } from "../recordHashing.js";

/** Checks that an operation's signature is its source's, by the ledger's rules. */
export interface SignatureVerifier {
  /** "native": libsecp256k1 through the `secp256k1` N-API binding; "noble": viem (pure JS). */
  readonly implementation: "native" | "noble";
  /** Worker threads recovering keys; 0 means on the calling thread. */
  readonly workers: number;
  verify(operation: SignedOperation): Promise<boolean>;
  /** The verdicts of many operations, in order (one message per worker thread, not per record). */
  verifyMany(operations: readonly SignedOperation[]): Promise<boolean[]>;
  /** Stops the worker threads; later calls recover on the calling thread. */
  close(): Promise<void>;
}

export interface SignatureVerifierOptions {
  /** "noble" forces pure JS (for comparison); "native" (default) uses libsecp256k1 if it loads. */
  prefer?: "native" | "noble";
  /**
   * Worker threads for key recovery (native only). Recovery is ~55 µs of the accept path's
   * ~150 µs of CPU per record; on its own threads it runs beside HTTP and database work.
   */
  workers?: number;
}

/** Half the secp256k1 group order: OpenZeppelin ECDSA rejects larger `s` (malleable signatures). */
const HALF_N = Buffer.from(
  "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0",
  "hex",
);

/** What the calling thread checks before recovery: shape, `v`, low `s`, and the digest. */
interface Prepared {
  signature: Buffer;
  digest: Uint8Array;
}

/**
 * A signature checker for one ledger domain, with the same verdicts as the SDK's
 * `verifyRecordSignature` (65 bytes, `v` 27 or 28, low `s`, recovers to `source`) but recovering
 * with native libsecp256k1 when it loads, about 25 times faster than pure JS, optionally on
 * worker threads: recovery is the largest cost of the gateway's accept path. The EIP-712 digest
 * is built on the calling thread with the domain separator computed once.
 *
 * @example
 * const verifier = createSignatureVerifier(ledgerDomain(chainId, ledger), { workers: 1 });
 * if (!(await verifier.verify(operation))) throw new Error("bad signature");
 * await verifier.close();
 */
export function createSignatureVerifier(
  domain: LedgerDomain,
  options: SignatureVerifierOptions | "native" | "noble" = {},
): SignatureVerifier {
  const { prefer = "native", workers = 0 } =
    typeof options === "string" ? { prefer: options } : options;
  const secp = prefer === "native" ? loadNativeSecp256k1() : null;
  if (!secp) {
    const verify = (operation: SignedOperation) => verifyRecordSignature({ domain, operation });
    return {
      implementation: "noble",
      workers: 0,
      verify,
      verifyMany: (operations) => Promise.all(operations.map(verify)),
      close: async () => {},
    };
  }
  const separator = Buffer.from(domainSeparator({ domain }).slice(2), "hex");

  const prepare = (operation: SignedOperation): Prepared | undefined => {
    const { signature, source } = operation;
    const sig = hexBytes(signature, 65);
    if (!sig || typeof source !== "string") return;
    const v = sig[64];
    if ((v !== 27 && v !== 28) || Buffer.compare(sig.subarray(32, 64), HALF_N) > 0) return;
    const digest = recordDigest(separator, operation);
    return digest && { signature: sig, digest };
  };
  const recoverHere = ({ signature, digest }: Prepared): string | undefined => {
    let publicKey: Uint8Array;
    try {
      publicKey = secp.ecdsaRecover(signature.subarray(0, 64), signature[64] - 27, digest, false);
    } catch {
      return undefined; // r or s zero or not below the group order, or no point for r
    }
    return Buffer.from(keccak256Bytes(publicKey.subarray(1)))
      .subarray(12)
      .toString("hex");
  };
  const matches = (operation: SignedOperation, address: string | undefined) =>
    address !== undefined && address === operation.source.slice(2).toLowerCase();

  const pool = workers > 0 ? new RecoveryPool(workers) : undefined;
  const verifyMany = async (operations: readonly SignedOperation[]): Promise<boolean[]> => {
    const prepared = operations.map(prepare);
    const jobs = prepared.flatMap((p, index) => (p ? [{ index, prepared: p }] : []));
    let addresses: (string | undefined)[] | undefined;
    if (pool && !pool.closed && jobs.length > 1) {
      // A pool that failed (a thread died) leaves the work to this thread, not to the device.
      addresses = await pool.recover(jobs.map((j) => j.prepared)).catch(() => undefined);
    }
    addresses ??= jobs.map((j) => recoverHere(j.prepared));
    const verdicts = operations.map(() => false);
    for (const [k, { index }] of jobs.entries()) {
      verdicts[index] = matches(operations[index], addresses[k]);
    }
    return verdicts;
  };
  return {
    implementation: "native",
    workers: pool ? workers : 0,
    async verify(operation) {
      const prepared = prepare(operation);
      return prepared !== undefined && matches(operation, recoverHere(prepared));
    },
    verifyMany,
    close: async () => pool?.close(),
  };
}

/**
 * Worker threads running `recoveryWorker.mjs`. A batch is split evenly over the threads, one
 * message each with the digests and signatures packed into transferred buffers (a message per
 * record would cost as much as the recovery). The threads are unref'ed: they never keep a
 * process alive.
 */
class RecoveryPool {
  readonly #workers: Worker[];
  readonly #pending = new Map<number, (reply: WorkerReply) => void>();
  #nextId = 0;
  closed = false;

  constructor(size: number) {
    this.#workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL("./recoveryWorker.mjs", import.meta.url));
      worker.unref();
      worker.on("message", (reply: WorkerReply) => {
        this.#pending.get(reply.id)?.(reply);
        this.#pending.delete(reply.id);
      });
      worker.on("error", (error) => this.#fail(error));
      return worker;
    });
  }

  async recover(jobs: readonly Prepared[]): Promise<(string | undefined)[]> {
    const per = Math.ceil(jobs.length / this.#workers.length);
    const parts = await Promise.all(
      this.#workers.map((worker, w) => this.#send(worker, jobs.slice(w * per, (w + 1) * per))),
    );
    return parts.flat();
  }

  async #send(worker: Worker, jobs: readonly Prepared[]): Promise<(string | undefined)[]> {
    if (jobs.length === 0) return [];
    const digests = new Uint8Array(jobs.length * 32);
    const signatures = new Uint8Array(jobs.length * 65);
    jobs.forEach((job, i) => {
      digests.set(job.digest, i * 32);
      signatures.set(job.signature, i * 65);
    });
    const id = this.#nextId++;
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      this.#pending.set(id, resolve);
      this.#rejecters.set(id, reject);
      worker.postMessage(
        { id, count: jobs.length, digests: digests.buffer, signatures: signatures.buffer },
        [digests.buffer, signatures.buffer],
      );
    }).finally(() => this.#rejecters.delete(id));
    const addresses = Buffer.from(reply.addresses);
    const recovered = new Uint8Array(reply.recovered);
    return jobs.map((_, i) =>
      recovered[i] ? addresses.subarray(i * 20, i * 20 + 20).toString("hex") : undefined,
    );
  }

  readonly #rejecters = new Map<number, (error: unknown) => void>();

  #fail(error: unknown): void {
    this.closed = true;
    for (const reject of this.#rejecters.values()) reject(error);
    this.#rejecters.clear();
    this.#pending.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}

interface WorkerReply {
  id: number;
  addresses: ArrayBuffer;
  recovered: ArrayBuffer;
}
