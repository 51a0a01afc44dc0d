import path from 'node:path';
import type { AuraDb } from '../client';
import { dataDirectory } from '../paths';
import { stampInsert, writeTransaction } from '../rules';
import { systemConfiguration, templates } from '../schema';
import { SYSTEM_TEMPLATES } from './system-templates';

export { SYSTEM_TEMPLATES } from './system-templates';

/** The author and actor recorded on rows the system itself creates. */
export const SYSTEM_ACTOR = 'system';

/** Default export folder: AURA_OUTPUT_DIR, else `output` in the data directory. */
export function defaultOutputDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.AURA_OUTPUT_DIR?.trim();
  return explicit ? path.resolve(explicit) : path.join(dataDirectory(env), 'output');
}

export interface SeedResult {
  systemConfigurationCreated: boolean;
  templatesCreated: number;
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
    return { systemConfigurationCreated: config.changes === 1, templatesCreated };
  });
}
