/**
 * Drift of batch inputs: the drift job reads scored partitions (`layout.ts`) instead of data
 * capture. A logical date D becomes readable at its *settle point*, the end of its day plus a delay
 * (by then the scoring run of D has committed its manifest); a run of the drift job whose window is
 * `[start, end)` reads the dates whose settle point is in `(start, end]`. Consecutive windows tile
 * time, so each date is read by exactly one run whatever the schedule's time of day (an EventBridge
 * `rate(1 day)` starts at the hour the rule was created), and a retried run reads the same dates.
 */

const DAY_MS = 86_400_000;

/**
 * Default delay between the end of a logical date's day and the drift job reading its partition,
 * minutes: the scoring runs at `hourUtc` (default 3, `DEFAULT_BATCH_HOUR_UTC`) the day after and
 * commits when Batch Transform ends; 12 hours leave 9 for the transform.
 */
export const DEFAULT_BATCH_DRIFT_DELAY_MINUTES = 12 * 60;
/**
 * Default interval of the drift job on batch partitions, minutes (a day: one partition per run, so
 * the sustained-drift alarm's M of N runs are M of N days).
 */
export const DEFAULT_BATCH_DRIFT_SCHEDULE_MINUTES = 24 * 60;
/** The longest delay, minutes (7 days: a partition committed later than that is not worth alarming on). */
export const MAX_BATCH_DRIFT_DELAY_MINUTES = 7 * 24 * 60;
/**
 * The key under which SageMaker Batch Transform with `JoinSource: Input` adds the prediction to a
 * JSON (Lines) input record ("SageMaker adds the transformed data to the input JSON object in an
 * attribute called SageMakerOutput"; a record that is not an object is wrapped as
 * `{"SageMakerInput": …, "SageMakerOutput": …}`):
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DataProcessing.html
 */
export const DEFAULT_BATCH_PREDICTION_KEY = 'SageMakerOutput';
/** The key of the input record when Batch Transform wraps a record that is not an object. */
export const BATCH_INPUT_KEY = 'SageMakerInput';

/**
 * The logical dates (YYYY-MM-DD, oldest first) a drift window `[start, end)` reads: those whose
 * settle point (the end of the day, UTC, plus `delayMinutes`) is after `start` and at most `end`.
 */
export function batchDatesIn(start: Date, end: Date, delayMinutes: number): string[] {
  const shift = DAY_MS + delayMinutes * 60_000;
  // Day starts d with start < d + shift <= end.
  const low = start.getTime() - shift;
  const high = end.getTime() - shift;
  const dates: string[] = [];
  // The first day start after `low` (a day start equal to `low` is excluded: its settle point is `start`).
  for (let d = Math.floor(low / DAY_MS) * DAY_MS + DAY_MS; d <= high; d += DAY_MS) {
    dates.push(new Date(d).toISOString().slice(0, 10));
  }
  return dates;
}
