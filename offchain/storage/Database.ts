import { BaseError } from "../shared/BaseError.js";

/**
 * The one storage interface of the off-chain modules. Everything speaks PostgreSQL's dialect:
 * PGlite (PostgreSQL compiled to WebAssembly, in-process) by default, a real PostgreSQL server
 * when DATABASE_URL names one. Parameters are positional ($1, $2, …).
 */
export interface Queryable {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
  ): Promise<Row[]>;
}

export interface Database extends Queryable {
  /** "pglite" or "postgres": for logs and tests, never for SQL branching. */
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements separated by semicolons (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Claims `name` in this database (and schema) for as long as this process holds it: a second
   * claim, from another process or connection, fails with DATABASE_IN_USE until `release()` or
   * until this process's session ends (a killed process frees it). PGlite is one process's by
   * construction, so there it always succeeds.
   */
  claim(name: string): Promise<{ release(): Promise<void> }>;
  close(): Promise<void>;
}

/** Thrown when the database cannot be opened or reached; retrying may help. */
export class DatabaseUnavailableError extends BaseError {
  constructor(target: string, cause: unknown) {
    super("DATABASE_UNAVAILABLE", `Cannot open database ${target}`, {
      cause,
      retryable: true,
      details: { target },
    });
  }
}

/** Thrown when another process holds a claim this one needs (`Database.claim`). */
export class DatabaseInUseError extends BaseError {
  constructor(name: string) {
    super("DATABASE_IN_USE", `Another process holds "${name}" in this database`, {
      retryable: true,
      details: { name },
    });
  }
}
