import { openDatabase } from "../../offchain/storage/openDatabase.js";
import type { Database } from "../../offchain/storage/Database.js";

let warned = false;

/**
 * The databases a storage-backed test runs against: PGlite in memory always, and a real
 * PostgreSQL server when TEST_DATABASE_URL names one (.ci/run starts one on loopback). Each
 * `open()` on PostgreSQL gets a fresh schema so tests never see each other's rows.
 */
export function databaseTargets(): { name: string; open: () => Promise<Database> }[] {
  const targets = [{ name: "PGlite", open: () => openDatabase({ url: "" }) }];
  const url = process.env.TEST_DATABASE_URL;
  if (!url && !warned) {
    // Said once per run, so a green run on PGlite alone is never mistaken for both backends.
    warned = true;
    console.log(
      "\n  [databaseTargets] TEST_DATABASE_URL is not set: storage tests run on PGlite only and " +
        'their PostgreSQL variants are SKIPPED (eval "$(bash scripts/ci/postgres.sh)" starts a ' +
        "server on loopback, as .ci/run does)\n",
    );
  }
  if (url) {
    let n = 0;
    targets.push({
      name: "PostgreSQL",
      open: async () => {
        const schema = `t_${process.pid}_${Date.now()}_${n++}`;
        const admin = await openDatabase({ url });
        await admin.exec(`create schema ${schema}`);
        await admin.close();
        const sep = url.includes("?") ? "&" : "?";
        return openDatabase({ url: `${url}${sep}options=-c%20search_path%3D${schema}` });
      },
    });
  }
  return targets;
}
