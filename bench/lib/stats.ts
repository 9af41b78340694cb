/** Median, spread and the figures of several repetitions of one measurement. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** (max − min) / median: how much the repetitions disagree */
  spread: number;
  values: number[];
}

/** The median of the values (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median, range and relative spread of repeated measurements. */
export function summarize(values: readonly number[]): Summary {
  const mid = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: mid, min, max, spread: mid > 0 ? (max - min) / mid : 0, values: [...values] };
}
