import { BaseError } from "../BaseError.js";
import type { Queryable } from "../../storage/Database.js";

/**
 * A readiness check that the database answers a trivial query; a failure is reported as
 * DATABASE_UNAVAILABLE.
 *
 * @example
 * registerHealthRoutes(app, { readiness: { database: databaseCheck(db) } });
 */
export function databaseCheck(db: Queryable): () => Promise<void> {
  return async () => {
    try {
      await db.query("select 1");
    } catch (cause) {
      throw new BaseError("DATABASE_UNAVAILABLE", "The database does not answer", {
        cause,
        retryable: true,
      });
    }
  };
}
