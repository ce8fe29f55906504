// Worker thread that owns an embedded PGlite database (openDatabase's default): PostgreSQL in
// WebAssembly is CPU work that would otherwise run on the thread serving requests. Plain
// JavaScript so that it loads without a TypeScript loader in whatever runs the caller.
//
// Messages in: { id, op: "query" | "exec" | "begin" | "commit" | "rollback" | "close", tx?, sql?,
// params? }; a query with `tx` runs inside that open transaction. Messages out: { id, rows } or
// { id, error }, and first { ready: true } or { failed: error }.
import { parentPort, workerData } from "node:worker_threads";

import { PGlite } from "@electric-sql/pglite";

/** Error fields a PostgreSQL error carries, kept across the thread boundary. */
const ERROR_FIELDS = [
  "name",
  "code",
  "severity",
  "detail",
  "hint",
  "position",
  "schema",
  "table",
  "column",
  "constraint",
  "routine",
];

function serializeError(error) {
  const out = { message: error instanceof Error ? error.message : String(error) };
  if (error && typeof error === "object") {
    for (const field of ERROR_FIELDS) {
      if (typeof error[field] === "string") out[field] = error[field];
    }
  }
  return out;
}

const reply = (id, body) => {
  try {
    parentPort.postMessage({ id, ...body });
  } catch (error) {
    // A row the structured clone cannot copy: the caller gets an error, not silence.
    parentPort.postMessage({ id, error: serializeError(error) });
  }
};

let db;
try {
  db = await PGlite.create(workerData.dataDir);
} catch (error) {
  parentPort.postMessage({ failed: serializeError(error) });
  process.exit(1);
}

/** Open transactions: the queue of messages for each, and who waits for the next one. */
const transactions = new Map();

function nextMessage(tx) {
  if (tx.queue.length > 0) return Promise.resolve(tx.queue.shift());
  return new Promise((resolve) => (tx.waiting = resolve));
}

function deliver(tx, message) {
  if (tx.waiting) {
    const resolve = tx.waiting;
    tx.waiting = undefined;
    resolve(message);
  } else {
    tx.queue.push(message);
  }
}

const ROLLBACK = Symbol("rollback");

function begin(message) {
  const tx = { queue: [], waiting: undefined };
  transactions.set(message.tx, tx);
  let end;
  db.transaction(async (t) => {
    reply(message.id, { rows: [] });
    for (;;) {
      const next = await nextMessage(tx);
      if (next.op === "commit") {
        end = next;
        return;
      }
      if (next.op === "rollback") {
        end = next;
        throw ROLLBACK;
      }
      try {
        reply(next.id, { rows: (await t.query(next.sql, next.params)).rows });
      } catch (error) {
        reply(next.id, { error: serializeError(error) });
      }
    }
  })
    .then(
      () => reply(end.id, { rows: [] }),
      (error) => {
        if (end)
          reply(end.id, error === ROLLBACK ? { rows: [] } : { error: serializeError(error) });
        else reply(message.id, { error: serializeError(error) });
      },
    )
    .finally(() => transactions.delete(message.tx));
}

parentPort.on("message", async (message) => {
  if (message.tx !== undefined && message.op !== "begin") {
    const tx = transactions.get(message.tx);
    if (tx) deliver(tx, message);
    else reply(message.id, { error: { message: `No open transaction ${message.tx}` } });
    return;
  }
  try {
    switch (message.op) {
      case "query":
        reply(message.id, { rows: (await db.query(message.sql, message.params)).rows });
        break;
      case "exec":
        await db.exec(message.sql);
        reply(message.id, { rows: [] });
        break;
      case "begin":
        begin(message);
        break;
      case "close":
        await db.close();
        reply(message.id, { rows: [] });
        break;
      default:
        reply(message.id, { error: { message: `Unknown operation ${message.op}` } });
    }
  } catch (error) {
    reply(message.id, { error: serializeError(error) });
  }
});

parentPort.postMessage({ ready: true });
