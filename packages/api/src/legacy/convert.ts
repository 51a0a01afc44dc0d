import type { ConfigValueType, ExportStatus, ProjectStage, ProjectStatus } from '@aura/db';
import { z } from 'zod';
import { JSON_DOCUMENT_MAX_BYTES } from '../limits';

/**
 * Value conversions from the .NET app's formats to ours. Each converter reports what it changed
 * through a `Notes` sink, so the import report lists every conversion applied, with counts.
 */

export interface Notes {
  note: (column: string, conversion: string) => void;
}

// ---- dates ---------------------------------------------------------------------------------

const EF_DATE =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{0,7}))?(Z|[+-]00:?00)?$/;

/**
 * An EF Core date (`yyyy-MM-dd HH:mm:ss.FFFFFFF`, UTC without a marker) or an ISO-8601 UTC text
 * as our ISO form with milliseconds. `0001-01-01 00:00:00` (DateTime.MinValue) and empty text
 * are null; the fraction past milliseconds is dropped (truncated, so order is kept).
 */
export function efDate(value: unknown, column: string, notes: Notes): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || value.trim() === '') {
    notes.note(column, 'unreadable date → null');
    return null;
  }
  const match = EF_DATE.exec(value.trim());
  if (!match) {
    notes.note(column, 'unreadable date → null');
    return null;
  }
  const [, y, mo, d, h, mi, s, fraction = '', zone] = match;
  if (y === '0001' && mo === '01' && d === '01') {
    notes.note(column, '0001-01-01 sentinel (DateTime.MinValue) → null');
    return null;
  }
  const ms = (fraction + '000').slice(0, 3);
  if (fraction.length > 3 && /[1-9]/.test(fraction.slice(3))) {
    notes.note(column, 'fraction past milliseconds dropped');
  }
  notes.note(
    column,
    zone ? 'ISO-8601 UTC → ISO with milliseconds' : 'EF date (UTC, no marker) → ISO-8601 UTC',
  );
  return `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`;
}

// ---- ids -----------------------------------------------------------------------------------

const GUID = /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/**
 * A Guid in any of .NET's shapes (UPPERCASE "D", lowercase, "N" without dashes, braces) as
 * lowercase with dashes; any other id (`template-*`, `default`, …) unchanged.
 */
export function normalizeId(value: string, column: string, notes: Notes): string {
  const match = GUID.exec(value);
  if (!match) return value;
  const normalized = match.slice(1, 6).join('-').toLowerCase();
  if (normalized !== value) {
    notes.note(
      column,
      value.includes('-') ? 'Guid → lowercase' : 'Guid "N" (32 hex) → lowercase with dashes',
    );
  }
  return normalized;
}

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

// ---- numbers and text ------------------------------------------------------------------------

/** A number stored as REAL, INTEGER or TEXT (decimal columns), read by intent. */
export function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}

export function boolOf(value: unknown): boolean {
  return numberOf(value) === 1 || value === true;
}

// ---- statuses ------------------------------------------------------------------------------

export interface ProjectStatusMapping {
  status: ProjectStatus;
  /** The legacy status soft-deletes the row (`Deleted`). */
  deleted: boolean;
  /** Added to ErrorMessage so the original status is kept where it carries meaning. */
  message: string | null;
}

/**
 * Legacy project statuses onto ours (InProgress, Completed, Failed, Cancelled). A legacy
 * `InProgress` or `Initializing` row is a dead job (the .NET app has no resume): it becomes
 * Failed, with the original status in ErrorMessage. Draft and Paused are work in progress.
 */
export function mapProjectStatus(status: string): ProjectStatusMapping {
  switch (status) {
    case 'Completed':
    case 'Failed':
    case 'Cancelled':
      return { status, deleted: false, message: null };
    case 'Draft':
    case 'Paused':
      return { status: 'InProgress', deleted: false, message: null };
    case 'Deleted':
      return { status: 'InProgress', deleted: true, message: null };
    case 'InProgress':
    case 'Initializing':
      return {
        status: 'Failed',
        deleted: false,
        message: `Interrupted in the .NET app (legacy status ${status}); it has no resume, so the job did not finish`,
      };
    default:
      return {
        status: 'InProgress',
        deleted: false,
        message: `Unknown legacy status ${status}`,
      };
  }
}

/** Legacy pipeline stage names onto ours; a finished project is at Render. */
export function mapProjectStage(stage: string | null, status: ProjectStatus): ProjectStage {
  if (status === 'Completed') return 'Render';
  const s = (stage ?? '').toLowerCase();
  if (s.includes('render') || s.includes('export')) return 'Render';
  if (s.includes('compos') || s.includes('assembl') || s.includes('timeline')) return 'Composition';
  if (s.includes('visual') || s.includes('image')) return 'Images';
  if (s.includes('voice') || s.includes('tts') || s.includes('audio')) return 'TTS';
  return 'Script';
}

export interface ExportStatusMapping {
  status: ExportStatus;
  message: string | null;
}

/**
 * Legacy export statuses. `Processing` and `Queued` rows are stuck (the .NET app tracked exports
 * in memory and lost them): imported as Failed / Cancelled with the original status in
 * ErrorMessage, so the worker never runs a years-old job on paths that no longer exist.
 */
export function mapExportStatus(status: string): ExportStatusMapping {
  switch (status) {
    case 'Completed':
    case 'Failed':
    case 'Cancelled':
      return { status, message: null };
    case 'Processing':
    case 'InProgress':
      return {
        status: 'Failed',
        message: `Interrupted in the .NET app (legacy status ${status}); not resumed on import`,
      };
    case 'Queued':
      return {
        status: 'Cancelled',
        message: 'Queued in the .NET app and never run; not queued again on import',
      };
    default:
      return { status: 'Failed', message: `Unknown legacy status ${status}` };
  }
}

// ---- JSON ------------------------------------------------------------------------------------

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const camel = (key: string) => key.charAt(0).toLowerCase() + key.slice(1);

/** PascalCase member names → camelCase at every level; nulls dropped (JsonSerializer wrote them). */
export function camelCaseJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (v === null) continue;
      out[camel(key)] = camelCaseJson(v);
    }
    return out;
  }
  return value;
}

/** The .NET enums serialized as numbers in the pipeline's JSON, by camelCase member name. */
const ENUMS: Record<string, readonly string[]> = {
  aspect: ['Widescreen16x9', 'Vertical9x16', 'Square1x1'],
  pacing: ['Chill', 'Conversational', 'Fast'],
  density: ['Sparse', 'Balanced', 'Dense'],
  pause: ['Natural', 'Short', 'Long', 'Dramatic'],
};

const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

/** A .NET TimeSpan text (`[d.]hh:mm:ss[.fffffff]`) in seconds, or null. */
export function timeSpanSeconds(value: string): number | null {
  const m = TIMESPAN.exec(value);
  if (!m) return null;
  const [, days = '0', h, mi, s, fraction = ''] = m;
  return (
    Number(days) * 86_400 +
    Number(h) * 3_600 +
    Number(mi) * 60 +
    Number(s) +
    (fraction ? Number(`0.${fraction}`) : 0)
  );
}

const specObject = z.record(z.string(), z.unknown());

/**
 * A spec column (BriefJson, PlanSpecJson, VoiceSpecJson, RenderSpecJson) in either dialect as one
 * form: camelCase names, enums by name, durations as `targetDurationSeconds`. The pipeline's
 * dialect (System.Text.Json: PascalCase, enum numbers, TimeSpan `TargetDuration`, `\uXXXX`
 * escapes) and the wizard's (JSON.stringify: camelCase, enum names, `targetDurationMinutes`)
 * both arrive here. Returns the JSON text, or null (with a note) when the text is not a JSON
 * object.
 */
export function convertSpec(text: string | null, column: string, notes: Notes): string | null {
  if (text === null || text.trim() === '') return null;
  const parsed = specObject.safeParse(parseJson(text));
  if (!parsed.success) {
    notes.note(column, 'not a JSON object → null');
    return null;
  }
  const pascal = Object.keys(parsed.data).some((k) => /^[A-Z]/.test(k));
  const value = camelCaseJson(parsed.data) as Record<string, unknown>;
  if (pascal) notes.note(column, 'PascalCase (System.Text.Json) → camelCase, nulls dropped');
  for (const [key, names] of Object.entries(ENUMS)) {
    const v = value[key];
    if (typeof v === 'number' && Number.isInteger(v) && names[v] !== undefined) {
      value[key] = names[v];
      notes.note(column, `enum ${key} number → name`);
    }
  }
  if (typeof value.targetDuration === 'string') {
    const seconds = timeSpanSeconds(value.targetDuration);
    if (seconds !== null) {
      delete value.targetDuration;
      value.targetDurationSeconds = seconds;
      notes.note(column, 'TimeSpan targetDuration → targetDurationSeconds');
    }
  }
  if (typeof value.targetDurationMinutes === 'number') {
    value.targetDurationSeconds = Math.round(value.targetDurationMinutes * 60 * 1000) / 1000;
    delete value.targetDurationMinutes;
    notes.note(column, 'targetDurationMinutes → targetDurationSeconds');
  }
  const out = JSON.stringify(value);
  if (Buffer.byteLength(out) > JSON_DOCUMENT_MAX_BYTES) {
    notes.note(column, `larger than ${JSON_DOCUMENT_MAX_BYTES} bytes (the API's limit) → null`);
    return null;
  }
  return out;
}

/** Text over the API's limit for its column, cut to it (with a note). */
export function boundedText(
  value: string | null,
  max: number,
  column: string,
  notes: Notes,
): string | null {
  if (value === null || value.length <= max) return value;
  notes.note(column, `longer than ${max} characters (the API's limit) → cut`);
  return value.slice(0, max);
}

/** JSON text re-serialized compactly (CRLF and indentation gone), or null when not JSON. */
export function compactJson(text: string | null): string | null {
  if (text === null) return null;
  const value = parseJson(text);
  return value === undefined ? null : JSON.stringify(value);
}

// ---- Configurations values ----------------------------------------------------------------------

export interface ConfigValue {
  valueType: ConfigValueType;
  /** JSON text, the Value column's form. */
  json: string;
}

/**
 * A legacy Configurations value (typed by ValueType: `string`/`number`/`boolean` as raw text,
 * `json` as JSON) as our JSON text. A value that does not read as its declared type is kept as
 * a string, with a note.
 */
export function convertConfigValue(valueType: string, raw: string, notes: Notes): ConfigValue {
  const type = valueType.toLowerCase();
  if (type === 'number') {
    const n = raw.trim() === '' ? NaN : Number(raw);
    if (Number.isFinite(n)) {
      notes.note('Value', 'number text → JSON number');
      return { valueType: 'number', json: JSON.stringify(n) };
    }
  } else if (type === 'boolean' || type === 'bool') {
    const b = raw.trim().toLowerCase();
    if (b === 'true' || b === 'false') {
      notes.note('Value', 'boolean text → JSON boolean');
      return { valueType: 'boolean', json: b };
    }
  } else if (type === 'json') {
    const value = parseJson(raw);
    if (value !== undefined) {
      notes.note('Value', 'JSON value kept as JSON (quoted strings stay strings)');
      return { valueType: 'json', json: JSON.stringify(value) };
    }
  } else if (type === 'string') {
    if (EF_DATE.test(raw) && raw.includes('T')) {
      const iso = efDate(raw, 'Value', notes);
      if (iso) return { valueType: 'string', json: JSON.stringify(iso) };
    }
    notes.note('Value', 'raw text → JSON string');
    return { valueType: 'string', json: JSON.stringify(raw) };
  }
  notes.note('Value', `value unreadable as ${valueType} → kept as a string`);
  return { valueType: 'string', json: JSON.stringify(raw) };
}
