import { configurations, encryptSecret, loadKeyring, userSetups } from '@aura/db';
import { eq } from 'drizzle-orm';
import { CONFIG_VALUE_MAX_BYTES, WIZARD_STATE_MAX_BYTES } from '../limits';
import {
  boolOf,
  compactJson,
  convertConfigValue,
  efDate,
  normalizeId,
  parseJson,
  textOf,
} from './convert';
import { clampInt, columns, exists, legacyAudit, type Context } from './context';
import { readLegacyRows } from './detect';

/* Settings (secrets encrypted on the way in), the setup state, the system row. */

const CONFIG_COLUMNS = columns(`
  Key Value Category ValueType Description IsSensitive Version CreatedAt UpdatedAt
  ModifiedBy IsActive CreatedBy
`);

/** A sensitive value as stored here: encrypted (in a dry run, only counted). */
function storedSecret(ctx: Context, key: string, json: string, source: string): string {
  ctx.report.secretsEncrypted.push({ source, key });
  return ctx.dryRun ? json : encryptSecret(loadKeyring(ctx.secrets), key, json);
}

export function importConfigurations(ctx: Context): void {
  const { tx, report } = ctx;
  const table = report.table('Configurations', 'Configurations');
  const notes = report.notes('Configurations');
  const legacyKeys = new Set<string>();
  for (const row of readLegacyRows(ctx.legacy, ctx.schema, 'Configurations', CONFIG_COLUMNS)) {
    table.read += 1;
    const key = textOf(row.Key);
    if (key === null || key.trim() === '') {
      report.skip(table, '(no key)', 'row has no Key');
      continue;
    }
    legacyKeys.add(key);
    const createdAt = efDate(row.CreatedAt, 'CreatedAt', notes);
    const current = tx
      .select({ createdAt: configurations.createdAt })
      .from(configurations)
      .where(eq(configurations.key, key))
      .get();
    if (current) {
      report.skip(
        table,
        key,
        current.createdAt === createdAt
          ? 'already imported (this setting exists)'
          : 'this installation already has the setting; its value is kept',
      );
      continue;
    }
    if ((textOf(row.Value) ?? '').length > CONFIG_VALUE_MAX_BYTES) {
      report.skip(
        table,
        key,
        `its value is larger than ${CONFIG_VALUE_MAX_BYTES} characters (the API's limit)`,
      );
      continue;
    }
    const value = convertConfigValue(
      textOf(row.ValueType) ?? 'string',
      textOf(row.Value) ?? '',
      notes,
    );
    const isSensitive = boolOf(row.IsSensitive);
    if (isSensitive) notes.note('Value', 'plaintext secret → encrypted');
    tx.insert(configurations)
      .values({
        key,
        value: isSensitive ? storedSecret(ctx, key, value.json, 'Configurations') : value.json,
        category: textOf(row.Category) ?? key.split('.')[0] ?? 'General',
        valueType: value.valueType,
        description: textOf(row.Description),
        isSensitive,
        version: clampInt(row.Version, 1, Number.MAX_SAFE_INTEGER),
        isActive: boolOf(row.IsActive),
        ...legacyAudit(
          notes,
          { createdAt, updatedAt: efDate(row.UpdatedAt, 'UpdatedAt', notes) },
          { createdBy: row.CreatedBy, modifiedBy: row.ModifiedBy },
          ctx.owner,
          ctx.now,
        ),
      })
      .run();
    table.imported += 1;
  }
  importSettingsApiKeys(ctx, legacyKeys);
}

/**
 * The .NET Settings row keeps API keys in clear text under `ApiKeys`. Each non-empty one that is
 * not already a Configurations key becomes the sensitive setting `Providers.<Name>.ApiKey`,
 * encrypted; the rest of SettingsJson is not imported (reported as a legacy-only table).
 */
function importSettingsApiKeys(ctx: Context, legacyKeys: Set<string>): void {
  const { tx, report } = ctx;
  const table = report.table('Settings', 'Configurations');
  const notes = report.notes('Configurations');
  for (const row of readLegacyRows(ctx.legacy, ctx.schema, 'Settings', [
    'Id',
    'SettingsJson',
    'IsEncrypted',
    'CreatedAt',
    'UpdatedAt',
  ])) {
    table.read += 1;
    const rowId = textOf(row.Id) ?? '(no id)';
    if (boolOf(row.IsEncrypted)) {
      report.skip(
        table,
        rowId,
        'SettingsJson is encrypted with the .NET app key; its API keys cannot be read',
      );
      continue;
    }
    const settings = parseJson(textOf(row.SettingsJson) ?? '');
    const apiKeys =
      settings && typeof settings === 'object' && 'ApiKeys' in settings ? settings.ApiKeys : null;
    let added = 0;
    let present = 0;
    if (apiKeys && typeof apiKeys === 'object') {
      for (const [name, secret] of Object.entries(apiKeys)) {
        if (typeof secret !== 'string' || secret.trim() === '') continue;
        const key = `Providers.${name}.ApiKey`;
        if (legacyKeys.has(key) || exists(tx, configurations, configurations.key, key)) {
          present += 1;
          continue;
        }
        notes.note('Value', 'Settings.ApiKeys plaintext → encrypted sensitive setting');
        tx.insert(configurations)
          .values({
            key,
            value: storedSecret(ctx, key, JSON.stringify(secret), `Settings.ApiKeys.${name}`),
            category: 'Providers',
            valueType: 'string',
            description: `${name} API key (from the .NET app's settings)`,
            isSensitive: true,
            ...legacyAudit(
              notes,
              {
                createdAt: efDate(row.CreatedAt, 'CreatedAt', notes),
                updatedAt: efDate(row.UpdatedAt, 'UpdatedAt', notes),
              },
              {},
              ctx.owner,
              ctx.now,
            ),
          })
          .run();
        added += 1;
      }
    }
    if (added > 0) table.imported += 1;
    else {
      report.skip(
        table,
        rowId,
        present > 0
          ? `its ${present} API key(s) are already Providers.<Name>.ApiKey settings (encrypted there)`
          : 'it holds no API key',
      );
    }
  }
}

const USER_SETUP_COLUMNS = columns(`
  id user_id completed completed_at version last_step updated_at selected_tier
  wizard_state
`);

/** The .NET app is single-user: its setup state becomes the importing owner's. */
export function importUserSetup(ctx: Context): void {
  const { tx, report } = ctx;
  const table = report.table('user_setup', 'UserSetups');
  const notes = report.notes('UserSetups');
  for (const row of readLegacyRows(ctx.legacy, ctx.schema, 'user_setup', USER_SETUP_COLUMNS)) {
    table.read += 1;
    const rawId = textOf(row.id) ?? '(no id)';
    const id = normalizeId(rawId, 'Id', notes);
    if (exists(tx, userSetups, userSetups.id, id)) {
      report.skip(table, rawId, 'already imported (a setup row with this id exists)');
      continue;
    }
    if (exists(tx, userSetups, userSetups.userId, ctx.owner)) {
      report.skip(table, rawId, 'the importing owner already has a setup state here; it is kept');
      continue;
    }
    notes.note('UserId', `${textOf(row.user_id) ?? 'NULL'} → importing owner`);
    const wizardText = textOf(row.wizard_state);
    let wizardState = compactJson(wizardText);
    if (wizardText !== null && wizardState === null) notes.note('WizardState', 'not JSON → null');
    if (wizardState !== null && Buffer.byteLength(wizardState) > WIZARD_STATE_MAX_BYTES) {
      wizardState = null;
      notes.note(
        'WizardState',
        `larger than ${WIZARD_STATE_MAX_BYTES} bytes (the API's limit) → null`,
      );
    }
    const updatedAt = efDate(row.updated_at, 'UpdatedAt', notes);
    tx.insert(userSetups)
      .values({
        id,
        userId: ctx.owner,
        completed: boolOf(row.completed),
        completedAt: efDate(row.completed_at, 'CompletedAt', notes),
        version: textOf(row.version),
        lastStep: clampInt(row.last_step, 0, 1_000),
        selectedTier: textOf(row.selected_tier),
        wizardState,
        ...legacyAudit(notes, { createdAt: updatedAt, updatedAt }, {}, ctx.owner, ctx.now),
      })
      .run();
    table.imported += 1;
  }
}

/** Never imported: the target keeps its own installation settings (the reasons are reported). */
export function reportSystemConfiguration(ctx: Context): void {
  const { report } = ctx;
  const table = report.table('system_configuration', 'SystemConfiguration');
  for (const row of readLegacyRows(ctx.legacy, ctx.schema, 'system_configuration', ['id'])) {
    table.read += 1;
    report.skip(
      table,
      textOf(row.id) ?? '(no id)',
      "this installation keeps its own system configuration: the .NET row is the migration's seed (is_setup_complete is never set, output_directory is a build machine's path); setup completion comes from user_setup",
    );
  }
}
