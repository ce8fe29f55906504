/**
 * The p-th percentile (0-100) of weighted samples by the nearest-rank method: the smallest value
 * at or below which at least p% of the total weight lies. NaN when there are no samples.
 *
 * @example
 * percentile([{ value: 12, weight: 500 }, { value: 40, weight: 500 }], 99); // 40
 */
export function percentile(samples: { value: number; weight?: number }[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a.value - b.value);
  const total = sorted.reduce((sum, s) => sum + (s.weight ?? 1), 0);
  const rank = (p / 100) * total;
  let seen = 0;
  for (const sample of sorted) {
    seen += sample.weight ?? 1;
    if (seen >= rank) return sample.value;
  }
  return sorted[sorted.length - 1].value;
}
