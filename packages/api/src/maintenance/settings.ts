import { MAINTENANCE_SETTINGS, configurations, type AuraDb } from '@aura/db';
import { inArray } from 'drizzle-orm';

/**
 * The retention and schedule values of the worker's jobs. They are Configurations rows (category
 * Retention or Backup, JSON numbers, editable through the config API) seeded with
 * MAINTENANCE_SETTINGS; a row that is missing, inactive, of another category or holding something
 * other than an acceptable number falls back to the seeded default, with a warning saying why.
 * They are read at the start of every run, so an edit takes effect on the next run.
 */

export type MaintenanceSettingKey = (typeof MAINTENANCE_SETTINGS)[number]['key'];

export type MaintenanceSettings = Record<MaintenanceSettingKey, number>;

export interface MaintenanceSettingsRead {
  values: MaintenanceSettings;
  /** Where each value came from. */
  sources: Record<MaintenanceSettingKey, 'config' | 'default'>;
  /** Why a row was not used (nothing for a missing row: defaults are normal before seeding). */
  warnings: string[];
}

interface Bounds {
  min: number;
  /** Whether the value must be a whole number. */
  integer: boolean;
}

/** What each value may be; anything else falls back to the default. */
const BOUNDS: Record<MaintenanceSettingKey, Bounds> = {
  'Retention.TemporaryAssetHours': { min: 0, integer: false },
  'Retention.ExpiredActionLogDays': { min: 0, integer: false },
  'Retention.SoftDeletePurgeDays': { min: 0, integer: false },
  'Retention.ExportHistoryDays': { min: 0, integer: false },
  // A version being written in another process may be about to reference a zero-count blob.
  'Retention.BlobGraceMinutes': { min: 1, integer: false },
  'Retention.AutosaveKeepLast': { min: 0, integer: true },
  'Retention.RecoveryStaleMinutes': { min: 1, integer: false },
  'Backup.IntervalHours': { min: 1 / 60, integer: false },
  'Backup.Keep': { min: 1, integer: true },
};

export const MAINTENANCE_DEFAULTS = Object.fromEntries(
  MAINTENANCE_SETTINGS.map((s) => [s.key, s.value]),
) as MaintenanceSettings;

const KEYS = MAINTENANCE_SETTINGS.map((s) => s.key) as MaintenanceSettingKey[];

function categoryOf(key: MaintenanceSettingKey): string {
  return key.startsWith('Backup.') ? 'Backup' : 'Retention';
}

/** Reads every maintenance setting (one indexed query on the primary key). */
export function readMaintenanceSettings(db: AuraDb): MaintenanceSettingsRead {
  const rows = db.select().from(configurations).where(inArray(configurations.key, KEYS)).all();
  const byKey = new Map(rows.map((row) => [row.key, row]));
  const values = { ...MAINTENANCE_DEFAULTS };
  const sources = Object.fromEntries(KEYS.map((k) => [k, 'default'])) as Record<
    MaintenanceSettingKey,
    'config' | 'default'
  >;
  const warnings: string[] = [];
  for (const key of KEYS) {
    const row = byKey.get(key);
    const fallback = `using the default ${MAINTENANCE_DEFAULTS[key]}`;
    if (!row) continue;
    if (!row.isActive) {
      warnings.push(`${key} is inactive; ${fallback}`);
      continue;
    }
    if (row.category !== categoryOf(key)) {
      warnings.push(`${key} is in category ${row.category}, not ${categoryOf(key)}; ${fallback}`);
      continue;
    }
    let value: unknown;
    try {
      value = row.isSensitive ? undefined : JSON.parse(row.value);
    } catch {
      value = undefined;
    }
    const bounds = BOUNDS[key];
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < bounds.min ||
      (bounds.integer && !Number.isInteger(value))
    ) {
      warnings.push(
        `${key} must be ${bounds.integer ? 'a whole number' : 'a number'} of at least ${+bounds.min.toFixed(4)}; ${fallback}`,
      );
      continue;
    }
    values[key] = value;
    sources[key] = 'config';
  }
  return { values, sources, warnings };
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
