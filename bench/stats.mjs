// Small statistics helpers shared by the benchmark files.

/** The median of a list of numbers (mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (q in 0..1) of a list of numbers. */
export function percentile(values, q) {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** p50, p99 and max of a list of milliseconds, with the sample count. */
export function summarize(values) {
  return {
    samples: values.length,
    p50: percentile(values, 0.5),
    p99: percentile(values, 0.99),
    max: values.length ? Math.max(...values) : NaN,
  };
}
