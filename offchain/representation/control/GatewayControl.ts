import { z } from "zod";

import type { Queryable } from "../../storage/Database.js";
import { SubmissionQuotas } from "../accept/SubmissionQuotas.js";

/**
 * The gateway's settings an operator may change while it runs (C2R, Y.4561 8.8 steps 2–4 on
 * the representation FE). One definition: the C2R routes validate with it, the controlling FE's
 * client and tasks send it.
 */
export const GatewaySettingsSchema = z
  .object({
    maxBlockSize: z.number().int().min(1).max(100_000).meta({
      description: "Most operations in one data block",
    }),
    maxWaitMs: z.number().int().min(0).max(86_400_000).meta({
      description: "Longest an accepted record waits for its block to fill",
    }),
    maxBacklog: z.number().int().min(1).max(100_000_000).meta({
      description: "Accepted block-mode records waiting before submissions get GATEWAY_BUSY",
    }),
  })
  .meta({ id: "GatewaySettings" });

export type GatewaySettings = z.infer<typeof GatewaySettingsSchema>;

/** A change of settings: a number sets it, `null` returns it to the gateway's start-up value. */
export type GatewaySettingsPatch = { [K in keyof GatewaySettings]?: GatewaySettings[K] | null };

/**
 * The representation FE's side of C2R: the settings and per-source quotas an operator changes
 * on a running gateway, in force at once and kept in the gateway's database
 * (`gateway_settings`, `gateway_source_quotas`), so a restart keeps them. A stored setting wins
 * over the start-up value (flag or default) until the operator resets it with `null`.
 *
 * `live` is the very object the batcher and the backlog gate read at each use, so a change
 * applies from their next tick or request without a restart.
 *
 * @example
 * const control = await GatewayControl.open(db, { maxBlockSize: 256, maxWaitMs: 2000, maxBacklog: 1000 });
 * await control.updateSettings({ maxBlockSize: 512 });
 */
export class GatewayControl {
  readonly live: GatewaySettings;
  readonly quotas: SubmissionQuotas;
  readonly #startup: GatewaySettings;
  readonly #db: Queryable;

  private constructor(db: Queryable, startup: GatewaySettings, quotas: SubmissionQuotas) {
    this.#db = db;
    this.#startup = { ...startup };
    this.live = { ...startup };
    this.quotas = quotas;
  }

  /** Reads the stored settings and quotas over the start-up values. */
  static async open(
    db: Queryable,
    startup: GatewaySettings,
    options: { now?: () => number } = {},
  ): Promise<GatewayControl> {
    const control = new GatewayControl(db, startup, await SubmissionQuotas.load(db, options.now));
    const rows = await db.query<{ name: string; value: unknown }>(
      "select name, value from gateway_settings",
    );
    const shape = GatewaySettingsSchema.shape;
    for (const { name, value } of rows) {
      // A setting this gateway does not know (a newer one's), or out of its bounds, is ignored.
      if (!(name in shape)) continue;
      const parsed = shape[name as keyof GatewaySettings].safeParse(value);
      if (parsed.success) control.live[name as keyof GatewaySettings] = parsed.data;
    }
    return control;
  }

  /** The settings in force, and which of them an operator set (the others are start-up values). */
  settings(): { settings: GatewaySettings; overridden: (keyof GatewaySettings)[] } {
    const overridden = (Object.keys(this.live) as (keyof GatewaySettings)[]).filter(
      (name) => this.live[name] !== this.#startup[name],
    );
    return { settings: { ...this.live }, overridden };
  }

  /** Applies a validated patch: stored first, then in force. */
  async updateSettings(patch: GatewaySettingsPatch): Promise<GatewaySettings> {
    const now = Date.now();
    for (const [name, value] of Object.entries(patch) as [keyof GatewaySettings, number | null][]) {
      if (value === undefined) continue;
      if (value === null) {
        await this.#db.query("delete from gateway_settings where name = $1", [name]);
        this.live[name] = this.#startup[name];
      } else {
        await this.#db.query(
          `insert into gateway_settings (name, value, updated_at) values ($1, $2::jsonb, $3)
           on conflict (name) do update set value = excluded.value, updated_at = excluded.updated_at`,
          [name, JSON.stringify(value), now],
        );
        this.live[name] = value;
      }
    }
    return { ...this.live };
  }
}
