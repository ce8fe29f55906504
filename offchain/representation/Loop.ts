export interface LoopOptions {
  /** Pause between two runs when there was nothing wrong. */
  intervalMs: number;
  /** Ceiling of the exponential backoff after consecutive failures (RPC or database down). */
  maxBackoffMs?: number;
  onError?: (error: unknown) => void;
  /**
   * The pause after a successful run, from what the run returned, when it should differ from
   * `intervalMs` (the submitter looks for receipts soon after it broadcast).
   */
  pauseAfter?: (result: unknown) => number | undefined;
}

/**
 * Runs a background step forever, one run at a time, until stopped: the batcher and the
 * submitter are such steps. Failures back off exponentially so a node that is down is not
 * hammered, and resume the normal pace once a run succeeds; `wake()` cuts a pause short when new
 * work is known to be waiting, and a wake during a run skips the pause after it (the work may
 * have arrived after the run looked).
 *
 * @example
 * const loop = new Loop(() => batcher.tick(), { intervalMs: 100 });
 * loop.start();
 * await loop.stop();
 */
export class Loop {
  #running = false;
  #current?: Promise<void>;
  #timer?: NodeJS.Timeout;
  #resolvePause?: () => void;
  #failures = 0;
  #wokenDuringRun = false;

  constructor(
    readonly step: () => Promise<unknown>,
    readonly options: LoopOptions,
  ) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#current = this.#run();
  }

  wake(): void {
    if (this.#resolvePause) this.#resolvePause();
    else this.#wokenDuringRun = true;
  }

  /** Stops after the run in progress, if any, has finished. */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#current;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      this.#wokenDuringRun = false;
      let pause = this.options.intervalMs;
      try {
        const result = await this.step();
        this.#failures = 0;
        pause = this.options.pauseAfter?.(result) ?? pause;
      } catch (error) {
        this.#failures++;
        this.options.onError?.(error);
        pause = Math.min(
          this.options.intervalMs * 2 ** this.#failures,
          this.options.maxBackoffMs ?? 30_000,
        );
      }
      if (!this.#running) break;
      if (this.#wokenDuringRun && this.#failures === 0) continue;
      await new Promise<void>((resolve) => {
        this.#resolvePause = resolve;
        this.#timer = setTimeout(resolve, pause);
      });
      clearTimeout(this.#timer);
      this.#resolvePause = undefined;
    }
  }
}
