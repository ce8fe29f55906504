import type { Queryable } from "../../storage/Database.js";
import { RejectionError } from "./RejectionError.js";

/** How many new records one source may have accepted per period (Y.4561 8.4, configured by C2R). */
export interface SourceQuota {
  /** Records accepted per period; 0 refuses every new record of the source. */
  records: number;
  /** Length of a period in seconds. */
  periodSec: number;
}

/** A quota as the control API reports it, with the current period's use. */
export interface SourceQuotaState extends SourceQuota {
  sourceId: string;
  /** Records accepted in the current period. */
  used: number;
  /** Unix seconds at which the current period ends and the count starts again. */
  resetsAt: number;
}

/**
 * Per-source submission quotas, enforced at acceptance: a record beyond its source's quota is
 * refused with QUOTA_EXCEEDED (429, Retry-After: the seconds to the period's end) and nothing of
 * it is stored. Only records that are stored count: an idempotent retry of an accepted record,
 * or any refused one, costs the source nothing.
 *
 * Periods are fixed windows aligned to the unix epoch (`floor(now / periodSec)`), so every gateway
 * and every restart agree on when a period ends. The quotas themselves are kept in the gateway's
 * database (`gateway_source_quotas`); the count of the current period is kept in memory, so a
 * restart forgets it and a source may then get up to one more period's worth in that period.
 * Sources without a quota are not counted at all (the hot path pays one map lookup).
 *
 * @example
 * const quotas = await SubmissionQuotas.load(db);
 * await quotas.set(7n, { records: 600, periodSec: 3600 });
 * const refusal = quotas.take("7"); // undefined, or the QUOTA_EXCEEDED to answer
 */
export class SubmissionQuotas {
  readonly #quotas = new Map<string, SourceQuota>();
  readonly #periods = new Map<string, { period: number; used: number }>();
  readonly #db: Queryable;
  readonly #now: () => number;

  private constructor(db: Queryable, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  /** How many sources have a quota (0: the accept path skips counting). */
  get size(): number {
    return this.#quotas.size;
  }

  /** The quotas stored in the gateway's database. */
  static async load(db: Queryable, now: () => number = Date.now): Promise<SubmissionQuotas> {
    const quotas = new SubmissionQuotas(db, now);
    const rows = await db.query<{ source_id: string; records: number; period_sec: number }>(
      "select source_id, records, period_sec from gateway_source_quotas",
    );
    for (const row of rows) {
      quotas.#quotas.set(row.source_id, { records: row.records, periodSec: row.period_sec });
    }
    return quotas;
  }

  /** Sets (or, with `undefined`, removes) a source's quota: stored first, then in force. */
  async set(sourceId: bigint, quota: SourceQuota | undefined): Promise<void> {
    const db = this.#db;
    const id = sourceId.toString();
    if (quota === undefined) {
      await db.query("delete from gateway_source_quotas where source_id = $1", [id]);
      this.#quotas.delete(id);
      this.#periods.delete(id);
      return;
    }
    await db.query(
      `insert into gateway_source_quotas (source_id, records, period_sec, updated_at)
       values ($1, $2, $3, $4)
       on conflict (source_id) do update
         set records = excluded.records, period_sec = excluded.period_sec,
             updated_at = excluded.updated_at`,
      [id, quota.records, quota.periodSec, this.#now()],
    );
    // A new period length starts a new count; a new size applies to the running period.
    if (this.#quotas.get(id)?.periodSec !== quota.periodSec) this.#periods.delete(id);
    this.#quotas.set(id, { ...quota });
  }

  /** Whether the source has a quota. */
  has(sourceId: string): boolean {
    return this.#quotas.has(sourceId);
  }

  /** Every quota in force, with its use in the current period, by source id. */
  list(): SourceQuotaState[] {
    return [...this.#quotas]
      .map(([sourceId, quota]) => {
        const { used, resetsAt } = this.#usage(sourceId, quota);
        return { sourceId, ...quota, used, resetsAt };
      })
      .sort((a, b) => (BigInt(a.sourceId) < BigInt(b.sourceId) ? -1 : 1));
  }

  /**
   * Counts one new record of `sourceId` against its quota. Answers the refusal when the period's
   * records are used up (nothing is counted then); `undefined` when the record may be stored.
   */
  take(sourceId: string): RejectionError | undefined {
    const quota = this.#quotas.get(sourceId);
    if (!quota) return undefined;
    const { used, resetsAt, period } = this.#usage(sourceId, quota);
    if (used >= quota.records) {
      const retryAfterSec = Math.max(1, Math.ceil(resetsAt - this.#now() / 1000));
      return new RejectionError(
        "QUOTA_EXCEEDED",
        "The source has used up its submission quota for this period; retry after it ends",
        { sourceId, records: quota.records, periodSec: quota.periodSec, retryAfterSec },
      );
    }
    this.#periods.set(sourceId, { period, used: used + 1 });
    return undefined;
  }

  /** Gives back a record `take` counted that was not stored after all (the outbox held it). */
  release(sourceId: string): void {
    const quota = this.#quotas.get(sourceId);
    const current = this.#periods.get(sourceId);
    if (!quota || !current) return;
    if (current.period === this.#period(quota)) current.used = Math.max(0, current.used - 1);
  }

  #period(quota: SourceQuota): number {
    return Math.floor(this.#now() / 1000 / quota.periodSec);
  }

  #usage(sourceId: string, quota: SourceQuota) {
    const period = this.#period(quota);
    const current = this.#periods.get(sourceId);
    const used = current?.period === period ? current.used : 0;
    return { period, used, resetsAt: (period + 1) * quota.periodSec };
  }
}
