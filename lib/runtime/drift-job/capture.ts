/**
 * Parsing of SageMaker data-capture files (JSON Lines, one inference per line):
 *
 * ```json
 * {"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":"1.5,2,red","encoding":"CSV"},
 *   "endpointOutput":{"observedContentType":"text/csv","mode":"OUTPUT","data":"0.83","encoding":"CSV"}},
 *  "eventMetadata":{"eventId":"…","inferenceTime":"2026-11-23T01:02:03Z"},"eventVersion":"0"}
 * ```
 *
 * A capture file is written by the endpoint, not by us: anything in it can be wrong. A record that
 * cannot be read is counted under a reason and skipped; nothing here throws for bad data.
 */

import { DriftColumnKind } from '../../core/drift';

/**
 * Why a capture record was skipped. Every reason but `outside-window` makes the record malformed.
 */
export const SKIP_REASONS = [
  /** The line is not a JSON object. */
  'invalid-json',
  /** No `captureData.endpointInput.data` string. */
  'missing-capture-data',
  /** `eventMetadata.inferenceTime` missing or not a date. */
  'invalid-inference-time',
  /** The inference happened outside the window (not malformed). */
  'outside-window',
  /** `encoding: BASE64` with data that is not base64 of UTF-8 text. */
  'invalid-base64',
  /** A content type that is neither CSV nor JSON (nor JSON Lines). */
  'unsupported-content-type',
  /** A JSON payload that does not parse, or has no shape read here. */
  'invalid-payload-json',
  /** A payload with no rows. */
  'empty-payload',
  /** A CSV row (or JSON array row) with a number of values other than `featureNames.length`. */
  'wrong-column-count',
  /** A JSON object row without one of the features. */
  'missing-feature',
  /** A numeric feature whose value is not a finite decimal number. */
  'non-numeric-value',
  /** A categorical feature whose value is not a string, number or boolean. */
  'invalid-category',
  /** An `endpointOutput` that is present but has no readable predictions. */
  'invalid-prediction',
] as const;

/** One of `SKIP_REASONS`. */
export type SkipReason = (typeof SKIP_REASONS)[number];

/** The reason that does not count as malformed. */
export const OUTSIDE_WINDOW: SkipReason = 'outside-window';

/** What to read from the capture records. */
export interface CaptureOptions {
  /** The features in the order of the model's CSV columns / JSON arrays (names of JSON object keys). */
  readonly featureNames: readonly string[];
  /**
   * The kind of each feature to collect (from the baseline). Features left out are still required
   * in the payload (columns must line up) but not checked or collected.
   */
  readonly featureKinds: ReadonlyMap<string, DriftColumnKind>;
  /**
   * The kind of the predictions (from the baseline's prediction column).
   * @default - predictions are not read (`endpointOutput` is ignored)
   */
  readonly predictionKind?: DriftColumnKind;
  /**
   * Records whose `inferenceTime` is before this are skipped (`outside-window`).
   * @default - no lower bound
   */
  readonly windowStart?: Date;
  /**
   * Records whose `inferenceTime` is at or after this are skipped (`outside-window`).
   * @default - no upper bound
   */
  readonly windowEnd?: Date;
}

/** Counts of what was read. */
export interface CaptureCounters {
  /** Capture records (lines) read successfully and inside the window. */
  records: number;
  /** Data rows in those records (a CSV payload or an `instances` list can hold several). */
  rows: number;
  /** Records skipped as malformed: the sum of `skippedReasons` except `outside-window`. */
  malformed: number;
  /** Records skipped, per reason (only reasons that occurred). */
  skippedReasons: Partial<Record<SkipReason, number>>;
}

/** The columns read from a window of capture records. */
export interface CaptureData {
  /** Values per collected feature: a `Float64Array` for numeric features, strings for categorical ones. */
  readonly features: Map<string, Float64Array | string[]>;
  /**
   * The predictions, when `predictionKind` was given.
   * @default - not read
   */
  readonly predictions?: Float64Array | string[];
  /** What was read and skipped. */
  readonly counters: CaptureCounters;
}

/** One value of a row: a number for a numeric column, a string for a categorical one (also read by batch.ts). */
export type Cell = number | string;
type Format = 'csv' | 'json' | 'jsonl';

/** A failure inside the parsing of one record (never escapes the drift job's readers: this module and batch.ts). */
export class Skip {
  constructor(public readonly reason: SkipReason) {}
}

/**
 * Reads capture files one after the other (`add`), then hands out the columns (`result`).
 * Memory: one `Float64Array` per numeric column (grown by doubling), one string array per categorical column.
 */
export class CaptureReader {
  private readonly columns: Array<NumberColumn | StringColumn | undefined>;
  private readonly predictions?: NumberColumn | StringColumn;
  private readonly counters: CaptureCounters = { records: 0, rows: 0, malformed: 0, skippedReasons: {} };
  private readonly start: number;
  private readonly end: number;

  constructor(private readonly options: CaptureOptions) {
    this.columns = options.featureNames.map((name) => {
      const kind = options.featureKinds.get(name);
      return kind === undefined ? undefined : newColumn(kind);
    });
    if (options.predictionKind !== undefined) {
      this.predictions = newColumn(options.predictionKind);
    }
    this.start = options.windowStart?.getTime() ?? -Infinity;
    this.end = options.windowEnd?.getTime() ?? Infinity;
  }

  /** Read the text of one capture file (JSON Lines). Blank lines are ignored. */
  public add(jsonLines: string): void {
    for (const line of jsonLines.split('\n')) {
      if (line.trim() === '') {
        continue;
      }
      try {
        this.addRecord(line);
      } catch (e) {
        if (!(e instanceof Skip)) {
          throw e;
        }
        const reasons = this.counters.skippedReasons;
        reasons[e.reason] = (reasons[e.reason] ?? 0) + 1;
        if (e.reason !== OUTSIDE_WINDOW) {
          this.counters.malformed++;
        }
      }
    }
  }

  /** The columns read so far (copies) and the counters. */
  public result(): CaptureData {
    const features = new Map<string, Float64Array | string[]>();
    this.options.featureNames.forEach((name, i) => {
      const column = this.columns[i];
      if (column !== undefined) {
        features.set(name, column.values());
      }
    });
    return {
      features,
      ...(this.predictions !== undefined ? { predictions: this.predictions.values() } : {}),
      counters: { ...this.counters, skippedReasons: { ...this.counters.skippedReasons } },
    };
  }

  private addRecord(line: string): void {
    const record = parseJson(line, 'invalid-json');
    if (!isObject(record)) {
      throw new Skip('invalid-json');
    }
    const captureData = record.captureData;
    const input = isObject(captureData) ? captureData.endpointInput : undefined;
    if (!isObject(input) || input.data === undefined || input.data === null) {
      throw new Skip('missing-capture-data');
    }
    const metadata = record.eventMetadata;
    const time = isObject(metadata) && typeof metadata.inferenceTime === 'string' ? Date.parse(metadata.inferenceTime) : NaN;
    if (Number.isNaN(time)) {
      throw new Skip('invalid-inference-time');
    }
    if (time < this.start || time >= this.end) {
      throw new Skip(OUTSIDE_WINDOW);
    }
    // Everything is parsed and checked before anything is stored, so a bad record leaves no trace.
    const rows = this.inputRows(input);
    const predictions = this.predictions !== undefined && isObject(captureData) && captureData.endpointOutput !== undefined
      ? predictionCells(captureData.endpointOutput, this.predictions.kind)
      : [];
    for (const row of rows) {
      row.forEach((cell, i) => this.columns[i]?.push(cell));
    }
    for (const p of predictions) {
      this.predictions!.push(p);
    }
    this.counters.records++;
    this.counters.rows += rows.length;
  }

  private inputRows(input: Record<string, unknown>): Cell[][] {
    const { format, text, value } = payloadOf(input);
    const names = this.options.featureNames;
    let rows: Cell[][];
    if (format === 'csv') {
      rows = csvLines(text!).map((line) => this.checkRow(splitCsvLine(line)));
    } else {
      const docs = value !== undefined ? [value] : format === 'jsonl' ? jsonLinesOf(text!) : [parseJson(text!, 'invalid-payload-json')];
      rows = docs.flatMap((doc) => jsonRows(doc)).map((row) => {
        if (Array.isArray(row)) {
          return this.checkRow(row);
        }
        return this.checkRow(names.map((name) => {
          if (!Object.prototype.hasOwnProperty.call(row, name)) {
            throw new Skip('missing-feature');
          }
          return row[name];
        }));
      });
    }
    if (rows.length === 0) {
      throw new Skip('empty-payload');
    }
    return rows;
  }

  /** The row's cells, each converted to its column's kind (`undefined` columns are not checked). */
  private checkRow(row: unknown[]): Cell[] {
    if (row.length !== this.options.featureNames.length) {
      throw new Skip('wrong-column-count');
    }
    return row.map((v, i) => {
      const column = this.columns[i];
      return column === undefined ? '' : toCell(v, column.kind, column.kind === DriftColumnKind.NUMERIC ? 'non-numeric-value' : 'invalid-category');
    });
  }
}

/** Read capture files in one call (see `CaptureReader`). */
export function parseCapture(files: string | Iterable<string>, options: CaptureOptions): CaptureData {
  const reader = new CaptureReader(options);
  for (const text of typeof files === 'string' ? [files] : files) {
    reader.add(text);
  }
  return reader.result();
}

// ---------------------------------------------------------------------------------------------

/** Decimal numbers only (no hex, no empty string, no `Infinity`): what a model's CSV holds. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function parseJson(text: string, reason: SkipReason): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Skip(reason);
  }
}

function jsonLinesOf(text: string): unknown[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => parseJson(l, 'invalid-payload-json'));
}

/** The payload's format and text (decoded from base64), or its value when `data` is already JSON. */
function payloadOf(part: Record<string, unknown>): { format: Format; text?: string; value?: unknown } {
  const encoding = typeof part.encoding === 'string' ? part.encoding.toUpperCase() : undefined;
  const contentType = typeof part.observedContentType === 'string' ? part.observedContentType.toLowerCase().split(';')[0].trim() : '';
  const data = part.data;
  const byType: Format | undefined = contentType.includes('jsonlines') || contentType.includes('x-ndjson')
    ? 'jsonl'
    : contentType.includes('json') ? 'json' : contentType.includes('csv') ? 'csv' : undefined;
  if (typeof data !== 'string') {
    // Not what SageMaker writes, but a JSON value in place of its text is unambiguous.
    return { format: 'json', value: data };
  }
  if (encoding === 'BASE64') {
    if (byType === undefined) {
      throw new Skip('unsupported-content-type');
    }
    return { format: byType, text: decodeBase64(data) };
  }
  const format: Format | undefined = encoding === 'CSV' ? 'csv' : encoding === 'JSON' ? (byType === 'jsonl' ? 'jsonl' : 'json') : byType;
  if (format === undefined) {
    throw new Skip('unsupported-content-type');
  }
  return { format, text: data };
}

function decodeBase64(data: string): string {
  const compact = data.replace(/\s+/g, '');
  // Buffer.from(…, 'base64') silently drops what is not base64: check first.
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new Skip('invalid-base64');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'));
  } catch {
    throw new Skip('invalid-base64');
  }
}

/** The rows of a JSON payload: an object, a list of objects or arrays, one flat array, or `{"instances": [...]}`. */
function jsonRows(doc: unknown): Array<unknown[] | Record<string, unknown>> {
  const list = isObject(doc) && Array.isArray(doc.instances) ? doc.instances : doc;
  if (isObject(list)) {
    if (list.instances !== undefined) {
      throw new Skip('invalid-payload-json');
    }
    return [list];
  }
  if (!Array.isArray(list)) {
    throw new Skip('invalid-payload-json');
  }
  if (list.length > 0 && list.every((x) => !isObject(x) && !Array.isArray(x))) {
    // A flat array is one row (`[1.5, 2, "red"]`).
    return [list];
  }
  return list.map((row) => {
    if (!isObject(row) && !Array.isArray(row)) {
      throw new Skip('invalid-payload-json');
    }
    return row;
  });
}

function csvLines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}

/** One CSV line (RFC 4180 quoting: `"a,b"`, `""` for a quote inside quotes). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === ',') {
      out.push(field);
      field = '';
    } else if (ch === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else {
      field += ch;
    }
  }
  out.push(field);
  return out;
}

export function toCell(v: unknown, kind: DriftColumnKind, reason: SkipReason): Cell {
  if (kind === DriftColumnKind.NUMERIC) {
    if (typeof v === 'number' && Number.isFinite(v)) {
      return v;
    }
    if (typeof v === 'string' && DECIMAL.test(v.trim())) {
      return Number(v.trim());
    }
    throw new Skip(reason);
  }
  if (typeof v === 'string') {
    return v.trim();
  }
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') {
    return String(v);
  }
  throw new Skip(reason);
}

/** Predictions: a number, a string, a list, `{"predictions": [...]}` (items may be one-element lists), or CSV. */
function predictionCells(output: unknown, kind: DriftColumnKind): Cell[] {
  if (!isObject(output) || output.data === undefined || output.data === null) {
    throw new Skip('invalid-prediction');
  }
  let payload: { format: Format; text?: string; value?: unknown };
  try {
    payload = payloadOf(output);
  } catch (e) {
    throw e instanceof Skip && e.reason === 'invalid-base64' ? e : new Skip('invalid-prediction');
  }
  const { format, text, value } = payload;
  let items: unknown[];
  if (format === 'csv') {
    items = text!.split(/[\r\n,]+/).filter((t) => t.trim() !== '');
  } else {
    const docs = value !== undefined ? [value] : format === 'jsonl' ? jsonLinesOf(text!) : [parseJson(text!, 'invalid-prediction')];
    items = docs.flatMap((doc) => {
      const list = isObject(doc) ? doc.predictions : doc;
      return Array.isArray(list) ? list : [list];
    });
  }
  if (items.length === 0) {
    throw new Skip('invalid-prediction');
  }
  return items.map((item) => toCell(Array.isArray(item) && item.length === 1 ? item[0] : item, kind, 'invalid-prediction'));
}

export interface NumberColumn {
  readonly kind: DriftColumnKind.NUMERIC;
  push(v: Cell): void;
  values(): Float64Array;
}

export interface StringColumn {
  readonly kind: DriftColumnKind.CATEGORICAL;
  push(v: Cell): void;
  values(): string[];
}

export function newColumn(kind: DriftColumnKind): NumberColumn | StringColumn {
  if (kind === DriftColumnKind.CATEGORICAL) {
    const out: string[] = [];
    return { kind, push: (v) => out.push(v as string), values: () => [...out] };
  }
  let buffer = new Float64Array(1024);
  let length = 0;
  return {
    kind: DriftColumnKind.NUMERIC,
    push: (v) => {
      if (length === buffer.length) {
        const grown = new Float64Array(buffer.length * 2);
        grown.set(buffer);
        buffer = grown;
      }
      buffer[length++] = v as number;
    },
    values: () => buffer.slice(0, length),
  };
}
