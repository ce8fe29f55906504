import pg from "pg";

import {
  DatabaseInUseError,
  DatabaseUnavailableError,
  type Database,
  type Queryable,
} from "./Database.js";
import { openPGliteWorker } from "./openPGliteWorker.js";

export interface OpenDatabaseOptions {
  /** postgres://… URL of a PostgreSQL server; when absent PGlite is used. Defaults to $DATABASE_URL. */
  url?: string;
  /** PGlite data directory; absent means in memory (tests). */
  dataDir?: string;
}

/**
 * Opens the configured database: a PostgreSQL server when `url` (or $DATABASE_URL) is set, else
 * PGlite in `dataDir` (or in memory), on a worker thread of its own.
 *
 * @example
 * const db = await openDatabase({ dataDir: "data/gateway" });
 * const rows = await db.query<{ n: number }>("select 1 as n");
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const url = options.url ?? process.env.DATABASE_URL;
  return url ? openPostgres(url) : openPGliteWorker(options.dataDir);
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  try {
    (await pool.connect()).release();
  } catch (cause) {
    await pool.end().catch(() => {});
    throw new DatabaseUnavailableError(redact(url), cause);
  }
  return {
    kind: "postgres",
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as Row[];
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("begin");
        const result = await fn({
          async query<Row>(sql: string, params: unknown[] = []) {
            return (await client.query(sql, params)).rows as Row[];
          },
        } as Queryable);
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    // A session-level advisory lock on a connection kept out of the pool: it lasts exactly as
    // long as this process's session, whatever way the process ends.
    async claim(name) {
      const client = await pool.connect();
      const key = "hashtextextended($1 || ':' || current_schema(), 0)";
      try {
        const { rows } = await client.query<{ claimed: boolean }>(
          `select pg_try_advisory_lock(${key}) as claimed`,
          [name],
        );
        if (!rows[0].claimed) throw new DatabaseInUseError(name);
      } catch (error) {
        client.release();
        throw error;
      }
      let released = false;
      return {
        async release() {
          if (released) return; // the connection may be someone else's by now
          released = true;
          try {
            await client.query(`select pg_advisory_unlock(${key})`, [name]);
          } finally {
            client.release();
          }
        },
      };
    },
    close: () => pool.end(),
  } as Database;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
