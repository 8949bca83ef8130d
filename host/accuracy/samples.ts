// One weighing every S seconds, and the marks it can carry. A mark never removes a sample:
// the analysis keeps every value it can compute and says which intervals and windows a mark
// touches (issue 9: "marked in the data, never silently dropped or averaged away").

export const SAMPLE_FLAGS = {
  unstable: 'the balance did not settle; the reading was taken unstable',
  overload: 'the balance was overloaded',
  underload: 'the balance was in underload',
  'not-answering': 'the balance did not answer',
  'balance-error': 'the balance answered with an error',
  garbled: 'the reply from the balance could not be read',
  missing: 'no reading for this sample',
  'pump-alarm': 'the pump had an alarm during the interval ending here',
  negative: 'the net mass is negative beyond the noise allowance',
  decreasing: 'the mass went down from the previous sample beyond the noise allowance',
} as const;

export type SampleFlag = keyof typeof SAMPLE_FLAGS;

export interface Sample {
  /** ms since the start of delivery (the first sample, taken at 0, is the start weight). */
  readonly tMs: number;
  /** Net mass on the balance in mg at the balance's resolution; null when there is no reading. */
  readonly massMg: number | null;
  readonly flags: readonly SampleFlag[];
  /** What went wrong, in words (the balance error, the alarm), for the CSV and the report. */
  readonly note?: string;
}

/** Integer micrograms of a mass in mg, so sums and differences are exact. */
export function massUg(massMg: number): number {
  return Math.round(massMg * 1000);
}
