import path from 'node:path';
import { seedDatabase } from '@aura/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVersion } from '../src/versions/history';
import {
  MAINTENANCE_BOUNDS,
  readMaintenanceSettings,
  type MaintenanceSettingKey,
} from '../src/maintenance/settings';
import { insertProject, openTestDb, rejectionHelpers, type TestDb } from './helpers';

/**
 * Installation-wide settings (finding 3): only an admin changes Retention, Backup and System keys,
 * and the worker's settings are checked against MAINTENANCE_BOUNDS on write.
 */

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
  seedDatabase(t.db, { outputDirectory: path.join(t.dir, 'output') });
});
afterEach(() => t.close());

const configRows = () => t.db.$client.prepare('SELECT * FROM Configurations ORDER BY Key').all();
const { rejects, rejectsField } = rejectionHelpers(configRows);

async function rowVersionOf(key: string) {
  return (await t.as('admin').config.get({ key, includeInactive: true })).rowVersion;
}

describe('installation-wide settings', () => {
  it('are admin-only: editors get FORBIDDEN and change nothing', async () => {
    const editor = t.as('editor');
    for (const key of ['Retention.SoftDeletePurgeDays', 'Backup.Keep'] as const) {
      const rowVersion = await rowVersionOf(key);
      const error = await rejects(
        () => editor.config.set({ key, value: 1, rowVersion }),
        'FORBIDDEN',
      );
      expect(error.message).toMatch(/only an admin can change it/);
      await rejects(() => editor.config.deactivate({ key, rowVersion }), 'FORBIDDEN');
    }
    // New keys under those names or categories, and moving a key into them.
    await rejects(
      () =>
        editor.config.set({
          key: 'System.Banner',
          value: 'x',
          valueType: 'string',
          category: 'UI',
        }),
      'FORBIDDEN',
    );
    await rejects(
      () =>
        editor.config.set({ key: 'banner', value: 'x', valueType: 'string', category: 'System' }),
      'FORBIDDEN',
    );
    const own = await editor.config.set({
      key: 'ui.theme',
      value: 'dark',
      valueType: 'string',
      category: 'UI',
    });
    await rejects(
      () =>
        editor.config.set({
          key: 'ui.theme',
          value: 'dark',
          category: 'Backup',
          rowVersion: own.rowVersion,
        }),
      'FORBIDDEN',
    );
    await rejects(
      () =>
        t.as('viewer').config.set({ key: 'ui.theme', value: 'light', rowVersion: own.rowVersion }),
      'FORBIDDEN',
    );
    // User-level keys stay the editor's; the admin changes the installation's.
    await editor.config.set({ key: 'ui.theme', value: 'light', rowVersion: own.rowVersion });
    const changed = await t.as('admin').config.set({
      key: 'Retention.SoftDeletePurgeDays',
      value: 7,
      rowVersion: await rowVersionOf('Retention.SoftDeletePurgeDays'),
    });
    expect(changed.value).toBe(7);
    expect(readMaintenanceSettings(t.db).values['Retention.SoftDeletePurgeDays']).toBe(7);
  });

  it('are validated against their ranges on write, naming the key and the range', async () => {
    const admin = t.as('admin');
    const key = 'Retention.SoftDeletePurgeDays';
    const rowVersion = await rowVersionOf(key);
    for (const value of [-5, 0, 2.5, 3651, 1e300]) {
      const error = await rejects(
        () => admin.config.set({ key, value, rowVersion }),
        'BAD_REQUEST',
      );
      expect(error.message).toBe(
        'value: Retention.SoftDeletePurgeDays must be a whole number from 1 to 3650',
      );
    }
    await rejectsField(() => admin.config.set({ key, value: '7', rowVersion }), 'value');
    await rejectsField(
      () => admin.config.set({ key, value: '7', valueType: 'string', rowVersion }),
      'valueType',
    );
    await rejectsField(
      () => admin.config.set({ key, value: 7, category: 'UI', rowVersion }),
      'category',
    );
    await rejectsField(
      () => admin.config.set({ key, value: 7, isSensitive: true, rowVersion }),
      'isSensitive',
    );
    // Every key, at both ends and one past them.
    for (const [name, { min, max }] of Object.entries(MAINTENANCE_BOUNDS)) {
      const settingKey = name as MaintenanceSettingKey;
      for (const value of [min - 1, max + 1]) {
        const error = await rejects(
          async () =>
            admin.config.set({
              key: settingKey,
              value,
              rowVersion: await rowVersionOf(settingKey),
            }),
          'BAD_REQUEST',
        );
        expect(error.message).toBe(
          `value: ${settingKey} must be a whole number from ${min} to ${max}`,
        );
      }
      for (const value of [min, max]) {
        await admin.config.set({
          key: settingKey,
          value,
          rowVersion: await rowVersionOf(settingKey),
        });
        expect(readMaintenanceSettings(t.db).values[settingKey]).toBe(value);
      }
    }
    expect(readMaintenanceSettings(t.db).warnings).toEqual([]);
  });
});

describe('Retention.AutosaveKeepLast', () => {
  it('is what an autosave prunes to', async () => {
    const admin = t.as('admin');
    await admin.config.set({
      key: 'Retention.AutosaveKeepLast',
      value: 2,
      rowVersion: await rowVersionOf('Retention.AutosaveKeepLast'),
    });
    const project = insertProject(t.db, { title: 'Saved often' });
    const kept: string[] = [];
    for (let n = 0; n < 5; n++) {
      t.db.$client
        .prepare('UPDATE ProjectStates SET BriefJson = ? WHERE Id = ?')
        .run(JSON.stringify({ n }), project.id);
      const { version, created } = createVersion(t.db, 'tester', {
        projectId: project.id,
        versionType: 'Autosave',
      });
      expect(created).toBe(true);
      kept.push(version.id);
    }
    const autosaves = t.db.$client
      .prepare(
        "SELECT Id FROM ProjectVersions WHERE ProjectId = ? AND VersionType = 'Autosave' ORDER BY VersionNumber",
      )
      .all(project.id) as { Id: string }[];
    expect(autosaves.map((row) => row.Id)).toEqual(kept.slice(-2));
  });
});
