import type { AuraDb } from '@aura/db';
import { readMaintenanceSettings } from '../maintenance/settings';

/**
 * Which autosaves a project keeps: the newest `keepLast`, plus the newest of each UTC day for the
 * last `dailyDays` days and the newest of each 7-day span for the last `weeklyWeeks` weeks. Only
 * autosaves are ever candidates: manual saves, restore points and important versions are kept.
 */
export interface RetentionPolicy {
  keepLast: number;
  dailyDays: number;
  weeklyWeeks: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { keepLast: 20, dailyDays: 7, weeklyWeeks: 4 };

/** The policy in force: keepLast is the setting Retention.AutosaveKeepLast (admin-editable). */
export function storedRetentionPolicy(db: AuraDb): RetentionPolicy {
  return {
    ...DEFAULT_RETENTION,
    keepLast: readMaintenanceSettings(db).values['Retention.AutosaveKeepLast'],
  };
}

const DAY_MS = 86_400_000;

/** Ids of the autosaves to prune, given every live, unimportant autosave of one project. */
export function autosavesToPrune(
  autosaves: { id: string; createdAt: string }[],
  now: Date,
  policy: RetentionPolicy = DEFAULT_RETENTION,
): string[] {
  const newestFirst = [...autosaves].sort((a, b) =>
    a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0,
  );
  const keep = new Set(newestFirst.slice(0, policy.keepLast).map((v) => v.id));
  const seenDays = new Set<string>();
  const seenWeeks = new Set<number>();
  for (const version of newestFirst) {
    const age = now.getTime() - Date.parse(version.createdAt);
    const day = version.createdAt.slice(0, 10);
    if (age < policy.dailyDays * DAY_MS && !seenDays.has(day)) {
      seenDays.add(day);
      keep.add(version.id);
    }
    const week = Math.floor(age / (7 * DAY_MS));
    if (age >= 0 && week < policy.weeklyWeeks && !seenWeeks.has(week)) {
      seenWeeks.add(week);
      keep.add(version.id);
    }
  }
  return newestFirst.filter((v) => !keep.has(v.id)).map((v) => v.id);
}
