import path from 'node:path';
import type { AuraDb } from '../client';
import { dataDirectory } from '../paths';
import { stampInsert, writeTransaction } from '../rules';
import { configurations, systemConfiguration, templates } from '../schema';
import { SYSTEM_TEMPLATES } from './system-templates';

export { SYSTEM_TEMPLATES } from './system-templates';

/** The author and actor recorded on rows the system itself creates. */
export const SYSTEM_ACTOR = 'system';

/** Default export folder: AURA_OUTPUT_DIR, else `output` in the data directory. */
export function defaultOutputDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.AURA_OUTPUT_DIR?.trim();
  return explicit ? path.resolve(explicit) : path.join(dataDirectory(env), 'output');
}

/**
 * Retention and schedule settings of the worker's jobs: Configurations rows (editable through the
 * config API), seeded with these defaults. Values are JSON numbers.
 */
export const MAINTENANCE_SETTINGS = [
  {
    key: 'Retention.TemporaryAssetHours',
    value: 24,
    description: 'Temporary assets older than this are deleted (file and row)',
  },
  {
    key: 'Retention.ExpiredActionLogDays',
    value: 30,
    description: 'Expired undo-log entries are deleted after this many days',
  },
  {
    key: 'Retention.SoftDeletePurgeDays',
    value: 30,
    description: 'Rows in the trash longer than this are purged for good',
  },
  {
    key: 'Retention.ExportHistoryDays',
    value: 90,
    description: 'Finished exports older than this leave the history',
  },
  {
    key: 'Retention.BlobGraceMinutes',
    value: 60,
    description: 'Unreferenced content blobs are collected after this grace period',
  },
  {
    key: 'Retention.AutosaveKeepLast',
    value: 20,
    description:
      'Newest autosaves kept per project (plus one a day for 7 days, one a week for 4 weeks)',
  },
  {
    key: 'Retention.RecoveryStaleMinutes',
    value: 30,
    description: 'An InProgress project without updates for this long is flagged for recovery',
  },
  { key: 'Backup.IntervalHours', value: 6, description: 'Hours between scheduled online backups' },
  { key: 'Backup.Keep', value: 10, description: 'Scheduled backups kept (newest first)' },
] as const;

export interface SeedResult {
  systemConfigurationCreated: boolean;
  templatesCreated: number;
  settingsCreated: number;
}

/**
 * Seed data of a new database, idempotent: rows that already exist (by key) are left as they
 * are, so running it again changes nothing and user edits (usage counts, ratings) survive.
 */
export function seedDatabase(db: AuraDb, options: { outputDirectory?: string } = {}): SeedResult {
  return writeTransaction(db, (tx) => {
    const config = tx
      .insert(systemConfiguration)
      .values(
        stampInsert(
          systemConfiguration,
          {
            id: 1,
            isSetupComplete: false,
            outputDirectory: options.outputDirectory ?? defaultOutputDirectory(),
          },
          SYSTEM_ACTOR,
        ),
      )
      .onConflictDoNothing()
      .run();
    let templatesCreated = 0;
    for (const template of SYSTEM_TEMPLATES) {
      const result = tx
        .insert(templates)
        .values(
          stampInsert(
            templates,
            { ...template, author: 'Aura', isSystemTemplate: true, isCommunityTemplate: false },
            SYSTEM_ACTOR,
          ),
        )
        .onConflictDoNothing()
        .run();
      templatesCreated += result.changes;
    }
    let settingsCreated = 0;
    for (const setting of MAINTENANCE_SETTINGS) {
      settingsCreated += tx
        .insert(configurations)
        .values(
          stampInsert(
            configurations,
            {
              key: setting.key,
              value: JSON.stringify(setting.value),
              category: setting.key.startsWith('Backup.') ? 'Backup' : 'Retention',
              valueType: 'number',
              description: setting.description,
            },
            SYSTEM_ACTOR,
          ),
        )
        .onConflictDoNothing()
        .run().changes;
    }
    return { systemConfigurationCreated: config.changes === 1, templatesCreated, settingsCreated };
  });
}
