import type { Database } from "./Database.js";

/** One schema step of a module; ids are applied once, in array order. */
export interface Migration {
  id: string;
  sql: string;
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction
 * with its bookkeeping row, so a crash mid-way leaves either all of a step or none of it.
 *
 * @example
 * await migrate(db, [{ id: "gateway-001", sql: "create table …" }]);
 */
export async function migrate(db: Database, migrations: Migration[]): Promise<string[]> {
  await db.exec(
    "create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())",
  );
  const applied = new Set(
    (await db.query<{ id: string }>("select id from schema_migrations")).map((r) => r.id),
  );
  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    await db.transaction(async (tx) => {
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query("insert into schema_migrations (id) values ($1)", [m.id]);
    });
    done.push(m.id);
  }
  return done;
}

// Migrations are plain DDL without functions or quoted semicolons, so splitting on ';' is safe
// and lets each statement run through the parameterised query path both backends share.
function splitStatements(sql: string): string[] {
  return sql
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
