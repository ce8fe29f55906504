import { Worker } from "node:worker_threads";

import { DatabaseUnavailableError, type Database, type Queryable } from "./Database.js";

interface Reply {
  id?: number;
  rows?: Record<string, unknown>[];
  error?: Record<string, string>;
  ready?: true;
  failed?: Record<string, string>;
}

/**
 * PGlite (the embedded default) on a worker thread of its own, behind the same `Database`
 * interface: PostgreSQL in WebAssembly took about half of the gateway's main thread at a few
 * thousand records per second, time the thread now spends serving requests. Statements keep
 * PGlite's semantics (one connection: a transaction holds the others back until it ends);
 * rows and parameters cross the thread boundary by structured clone, errors with their
 * PostgreSQL fields (code, constraint, …). The thread holds the process open only while a call
 * is in flight, as an in-process database would.
 *
 * @example
 * const db = await openPGliteWorker("data/gateway"); // undefined: in memory
 * await db.query("select 1");
 * await db.close();
 */
export async function openPGliteWorker(dataDir?: string): Promise<Database> {
  const worker = new Worker(new URL("./pgliteWorker.mjs", import.meta.url), {
    workerData: { dataDir },
  });
  const pending = new Map<
    number,
    { resolve: (rows: unknown[]) => void; reject: (e: Error) => void }
  >();
  let nextId = 0;
  let nextTx = 0;
  let broken: Error | undefined;

  const settle = () => (pending.size > 0 ? worker.ref() : worker.unref());
  const failAll = (error: Error) => {
    broken = error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
    settle();
  };

  await new Promise<void>((resolve, reject) => {
    const onStart = (reply: Reply) => {
      if (reply.ready) {
        worker.off("error", onError);
        resolve();
      } else if (reply.failed) {
        worker.off("error", onError);
        reject(new DatabaseUnavailableError(dataDir ?? "memory://", toError(reply.failed)));
      }
    };
    const onError = (error: Error) =>
      reject(new DatabaseUnavailableError(dataDir ?? "memory://", error));
    worker.once("message", onStart);
    worker.once("error", onError);
  });

  worker.on("message", (reply: Reply) => {
    const call = reply.id === undefined ? undefined : pending.get(reply.id);
    if (!call) return;
    pending.delete(reply.id!);
    settle();
    if (reply.error) call.reject(toError(reply.error));
    else call.resolve(reply.rows ?? []);
  });
  worker.on("error", (error) => failAll(error));
  worker.on("exit", (code) => failAll(new Error(`PGlite worker exited with code ${code}`)));
  settle();

  const call = (message: Record<string, unknown>): Promise<unknown[]> => {
    if (broken) return Promise.reject(broken);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      settle();
      try {
        worker.postMessage({ ...message, id });
      } catch (error) {
        // A parameter the structured clone cannot copy (a function, say).
        pending.delete(id);
        settle();
        reject(error as Error);
      }
    });
  };
  const queryable = (tx?: number): Queryable => ({
    query: <Row>(sql: string, params: unknown[] = []) =>
      call({ op: "query", tx, sql, params }) as Promise<Row[]>,
  });

  return {
    kind: "pglite",
    ...queryable(),
    async transaction(fn) {
      const tx = nextTx++;
      await call({ op: "begin", tx });
      let result;
      try {
        result = await fn(queryable(tx));
      } catch (error) {
        await call({ op: "rollback", tx }).catch(() => {});
        throw error;
      }
      await call({ op: "commit", tx });
      return result;
    },
    async exec(sql) {
      await call({ op: "exec", sql });
    },
    // A PGlite data directory is one process's: there is nobody to claim anything against.
    async claim() {
      return { release: async () => {} };
    },
    async close() {
      if (broken) return;
      await call({ op: "close" });
      await worker.terminate();
    },
  } as Database;
}

function toError(fields: Record<string, string>): Error {
  return Object.assign(new Error(fields.message), fields);
}
