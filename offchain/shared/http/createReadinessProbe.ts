import { BaseError } from "../BaseError.js";

/**
 * Named readiness checks: each resolves when its dependency can serve, and throws (ideally a
 * `BaseError`, whose `code` is reported) when it cannot.
 */
export type ReadinessChecks = Record<string, () => Promise<void>>;

/** One check's outcome as `/ready` reports it. */
export type CheckResult = { ok: true } | { ok: false; code: string; message: string };

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/** A check did not settle within the probe's time limit; the dependency may be hung. */
export class ReadinessTimeoutError extends BaseError {
  constructor(check: string, timeoutMs: number) {
    super("CHECK_TIMEOUT", `The ${check} check did not answer within ${timeoutMs} ms`, {
      retryable: true,
      details: { check, timeoutMs },
    });
  }
}

/**
 * Returns a probe that runs every check in parallel, each bounded by `timeoutMs`, and reports
 * which failed and with what code. A check still running from an earlier probe is joined
 * rather than started again: a hung chain node then costs one pending call, not one per probe
 * (orchestrators probe every few seconds, for as long as the node hangs).
 *
 * @example
 * const probe = createReadinessProbe({ chain: () => provider.getBlockNumber().then(() => {}) });
 * const { ready, checks } = await probe();
 */
export function createReadinessProbe(
  checks: ReadinessChecks,
  { timeoutMs = 2_000 }: { timeoutMs?: number } = {},
): () => Promise<ReadinessReport> {
  const inFlight = new Map<string, Promise<void>>();

  const start = (name: string, check: () => Promise<void>): Promise<void> => {
    let running = inFlight.get(name);
    if (!running) {
      // Through .then so that a check that throws synchronously is reported like one that rejects.
      running = Promise.resolve()
        .then(check)
        .finally(() => inFlight.delete(name));
      inFlight.set(name, running);
    }
    return running;
  };

  const run = async (name: string, check: () => Promise<void>): Promise<CheckResult> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ReadinessTimeoutError(name, timeoutMs)), timeoutMs);
    });
    try {
      await Promise.race([start(name, check), timeout]);
      return { ok: true };
    } catch (error) {
      return toFailure(name, error);
    } finally {
      clearTimeout(timer);
    }
  };

  return async () => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await run(name, check)] as const),
    );
    return {
      ready: entries.every(([, result]) => result.ok),
      checks: Object.fromEntries(entries),
    };
  };
}

function toFailure(name: string, error: unknown): CheckResult {
  if (error instanceof BaseError) {
    // The short message only: the full one and the cause may name hosts or credentials.
    return { ok: false, code: error.code, message: error.shortMessage };
  }
  // Not one of ours, so its message may leak internals: it goes to the log, not to the prober.
  console.error(`[ready] the ${name} check failed:`, error);
  return { ok: false, code: "CHECK_FAILED", message: `The ${name} check failed; see the log` };
}
