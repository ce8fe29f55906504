/**
 * Wall-clock milliseconds with sub-millisecond resolution that agree across worker threads
 * (each thread's `performance.now()` has its own origin; `timeOrigin` puts them on one axis).
 *
 * @example
 * const sentAt = epochMs();
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
