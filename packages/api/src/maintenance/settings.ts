import { MAINTENANCE_SETTINGS, configurations, type AuraDb } from '@aura/db';
import { inArray } from 'drizzle-orm';
import { z } from 'zod';

/**
 * The retention and schedule values of the worker's jobs. They are Configurations rows (category
 * Retention or Backup, JSON numbers, editable by admins through the config API) seeded with
 * MAINTENANCE_SETTINGS. MAINTENANCE_BOUNDS is the one definition of their ranges: config.set
 * refuses a value outside them (BAD_REQUEST naming the key and the range), and a row that is
 * missing, inactive, of another category or out of range anyway (written by hand) falls back to
 * the seeded default, with a warning saying why. They are read at the start of every run, so an
 * edit takes effect on the next run.
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

/** The whole numbers a setting may hold, both ends included. */
export interface SettingBounds {
  min: number;
  max: number;
}

/**
 * What each value may be (whole numbers). None may be 0: a zero retention would delete what was
 * just created (a temporary asset being used, a project trashed a second ago, the only backup).
 */
export const MAINTENANCE_BOUNDS: Readonly<Record<MaintenanceSettingKey, SettingBounds>> = {
  'Retention.TemporaryAssetHours': { min: 1, max: 8_760 },
  'Retention.ExpiredActionLogDays': { min: 1, max: 3_650 },
  'Retention.SoftDeletePurgeDays': { min: 1, max: 3_650 },
  'Retention.ExportHistoryDays': { min: 1, max: 3_650 },
  // A version being written in another process may be about to reference a zero-count blob.
  'Retention.BlobGraceMinutes': { min: 1, max: 10_080 },
  'Retention.AutosaveKeepLast': { min: 1, max: 1_000 },
  'Retention.RecoveryStaleMinutes': { min: 1, max: 43_200 },
  'Backup.IntervalHours': { min: 1, max: 720 },
  'Backup.Keep': { min: 1, max: 1_000 },
};

/** Categories of installation-wide settings: only an admin may change their keys. */
export const INSTALLATION_CATEGORIES = ['Retention', 'Backup', 'System'] as const;

/** Whether a key (by its prefix) or a category is installation-wide. */
export function isInstallationSetting(key: string, category?: string | null): boolean {
  const categories: readonly string[] = INSTALLATION_CATEGORIES;
  return (
    categories.includes(category ?? '') || categories.some((name) => key.startsWith(`${name}.`))
  );
}

export function isMaintenanceSettingKey(key: string): key is MaintenanceSettingKey {
  return Object.hasOwn(MAINTENANCE_BOUNDS, key);
}

/** The values `key` may hold, as a schema (stored values are read through it). */
function maintenanceValueSchema(key: MaintenanceSettingKey) {
  const { min, max } = MAINTENANCE_BOUNDS[key];
  return z.number().int().min(min).max(max);
}

/** Why `value` cannot be the setting `key`, or null when it can. */
export function maintenanceValueProblem(key: MaintenanceSettingKey, value: unknown): string | null {
  const { min, max } = MAINTENANCE_BOUNDS[key];
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
    return null;
  }
  return `${key} must be a whole number from ${min} to ${max}`;
}

export const MAINTENANCE_DEFAULTS = Object.fromEntries(
  MAINTENANCE_SETTINGS.map((s) => [s.key, s.value]),
) as MaintenanceSettings;

const KEYS = MAINTENANCE_SETTINGS.map<MaintenanceSettingKey>((s) => s.key);

/** The category a maintenance key must be stored in. */
export function maintenanceCategoryOf(key: MaintenanceSettingKey): string {
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
    if (row.category !== maintenanceCategoryOf(key)) {
      warnings.push(
        `${key} is in category ${row.category}, not ${maintenanceCategoryOf(key)}; ${fallback}`,
      );
      continue;
    }
    let stored: unknown;
    try {
      stored = row.isSensitive ? undefined : JSON.parse(row.value);
    } catch {
      stored = undefined;
    }
    const value = maintenanceValueSchema(key).safeParse(stored);
    if (!value.success) {
      warnings.push(`${maintenanceValueProblem(key, stored) ?? value.error.message}; ${fallback}`);
      continue;
    }
    values[key] = value.data;
    sources[key] = 'config';
  }
  return { values, sources, warnings };
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
