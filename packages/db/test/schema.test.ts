import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { describeSchema, insertAudited, projectStates } from '../src';
import { migratedDatabase } from './helpers';

/**
 * The specification (shared/seed/DATABASE_SCHEMA.md), written out: every table, column with its
 * SQLite type and nullability, and every listed index (plus the two uniques it implies). The
 * test reads the schema from a database the migrations created, never from schema.ts.
 * Column format: name:type[!]  (! = NOT NULL).
 */
const SPEC: Record<string, { columns: string[]; indexes: string[]; unique?: string[] }> = {
  ProjectStates: {
    columns: [
      'Id:text!',
      'Title:text!',
      'Description:text',
      'CurrentWizardStep:integer!',
      'Status:text!',
      'CreatedAt:text!',
      'UpdatedAt:text!',
      'CompletedAt:text',
      'IsDeleted:integer!',
      'DeletedAt:text',
      'DeletedBy:text',
      'CreatedBy:text',
      'ModifiedBy:text',
      'CurrentStage:text!',
      'ProgressPercent:integer!',
      'JobId:text',
      'BriefJson:text',
      'PlanSpecJson:text',
      'VoiceSpecJson:text',
      'RenderSpecJson:text',
      'ErrorMessage:text',
    ],
    indexes: [
      'Status',
      'UpdatedAt',
      'Status,UpdatedAt',
      'JobId',
      'IsDeleted',
      'IsDeleted,DeletedAt',
    ],
  },
  SceneStates: {
    columns: [
      'Id:text!',
      'ProjectId:text!',
      'SceneIndex:integer!',
      'ScriptText:text!',
      'AudioFilePath:text',
      'ImageFilePath:text',
      'DurationSeconds:real!',
      'IsCompleted:integer!',
      'CreatedAt:text!',
    ],
    indexes: ['ProjectId', 'ProjectId,SceneIndex'],
  },
  AssetStates: {
    columns: [
      'Id:text!',
      'ProjectId:text!',
      'AssetType:text!',
      'FilePath:text!',
      'FileSizeBytes:integer!',
      'MimeType:text',
      'IsTemporary:integer!',
      'CreatedAt:text!',
    ],
    indexes: ['ProjectId', 'ProjectId,AssetType', 'IsTemporary'],
  },
  RenderCheckpoints: {
    columns: [
      'Id:text!',
      'ProjectId:text!',
      'StageName:text!',
      'CheckpointTime:text!',
      'CompletedScenes:integer!',
      'TotalScenes:integer!',
      'CheckpointData:text',
      'OutputFilePath:text',
      'IsValid:integer!',
    ],
    indexes: ['ProjectId', 'ProjectId,StageName', 'CheckpointTime'],
  },
  ProjectVersions: {
    columns: [
      'Id:text!',
      'ProjectId:text!',
      'VersionNumber:integer!',
      'Name:text',
      'Description:text',
      'VersionType:text!',
      'Trigger:text',
      'CreatedAt:text!',
      'CreatedByUserId:text',
      'BriefJson:text',
      'PlanSpecJson:text',
      'VoiceSpecJson:text',
      'RenderSpecJson:text',
      'TimelineJson:text',
      'BriefHash:text',
      'PlanHash:text',
      'VoiceHash:text',
      'RenderHash:text',
      'TimelineHash:text',
      'StorageSizeBytes:integer!',
      'IsMarkedImportant:integer!',
      'IsDeleted:integer!',
      'DeletedAt:text',
      'DeletedBy:text',
      'UpdatedAt:text!',
      'CreatedBy:text',
      'ModifiedBy:text',
    ],
    indexes: [
      'ProjectId',
      'VersionType',
      'CreatedAt',
      'ProjectId,CreatedAt',
      'IsDeleted',
      'IsDeleted,DeletedAt',
      'IsMarkedImportant',
    ],
    unique: ['ProjectId,VersionNumber'],
  },
  ContentBlobs: {
    columns: [
      'ContentHash:text!',
      'Content:text!',
      'ContentType:text!',
      'SizeBytes:integer!',
      'CreatedAt:text!',
      'LastReferencedAt:text!',
      'ReferenceCount:integer!',
      'UpdatedAt:text!',
      'CreatedBy:text',
      'ModifiedBy:text',
    ],
    indexes: ['ContentType', 'LastReferencedAt', 'ReferenceCount'],
  },
  UserSetups: {
    columns: [
      'Id:text!',
      'UserId:text!',
      'Completed:integer!',
      'CompletedAt:text',
      'Version:text',
      'LastStep:integer!',
      'UpdatedAt:text!',
      'SelectedTier:text',
      'WizardState:text',
    ],
    indexes: ['Completed', 'UpdatedAt'],
    unique: ['UserId'],
  },
  SystemConfiguration: {
    columns: [
      'Id:integer',
      'IsSetupComplete:integer!',
      'FFmpegPath:text',
      'OutputDirectory:text!',
      'CreatedAt:text!',
      'UpdatedAt:text!',
    ],
    indexes: [],
  },
  Configurations: {
    columns: [
      'Key:text!',
      'Value:text!',
      'Category:text!',
      'ValueType:text!',
      'Description:text',
      'IsSensitive:integer!',
      'Version:integer!',
      'CreatedAt:text!',
      'UpdatedAt:text!',
      'CreatedBy:text',
      'ModifiedBy:text',
      'IsActive:integer!',
    ],
    indexes: [
      'Category',
      'IsSensitive',
      'IsActive',
      'UpdatedAt',
      'Category,IsActive',
      'Category,UpdatedAt',
    ],
  },
  Templates: {
    columns: [
      'Id:text!',
      'Name:text!',
      'Description:text!',
      'Category:text!',
      'SubCategory:text!',
      'PreviewImage:text!',
      'PreviewVideo:text!',
      'Tags:text!',
      'TemplateData:text!',
      'CreatedAt:text!',
      'UpdatedAt:text!',
      'Author:text!',
      'IsSystemTemplate:integer!',
      'IsCommunityTemplate:integer!',
      'UsageCount:integer!',
      'Rating:real!',
      'RatingCount:integer!',
    ],
    indexes: ['Category', 'IsSystemTemplate', 'IsCommunityTemplate', 'Category,SubCategory'],
  },
  CustomTemplates: {
    columns: [
      'Id:text!',
      'Name:text!',
      'Description:text!',
      'Category:text!',
      'Tags:text!',
      'CreatedAt:text!',
      'UpdatedAt:text!',
      'CreatedBy:text',
      'ModifiedBy:text',
      'Author:text!',
      'IsDefault:integer!',
      'IsDeleted:integer!',
      'DeletedAt:text',
      'DeletedBy:text',
      'ScriptStructureJson:text',
      'VideoStructureJson:text',
      'LLMPipelineJson:text',
      'VisualPreferencesJson:text',
    ],
    indexes: [
      'Category',
      'IsDefault',
      'CreatedAt',
      'Category,CreatedAt',
      'IsDeleted',
      'IsDeleted,DeletedAt',
    ],
  },
  ExportHistory: {
    columns: [
      'Id:text!',
      'InputFile:text!',
      'OutputFile:text!',
      'PresetName:text!',
      'Status:text!',
      'Progress:real!',
      'CreatedAt:text!',
      'StartedAt:text',
      'CompletedAt:text',
      'ErrorMessage:text',
      'FileSize:integer',
      'DurationSeconds:real',
      'Platform:text',
      'Resolution:text',
      'Codec:text',
    ],
    indexes: ['Status', 'CreatedAt', 'Status,CreatedAt'],
  },
  ActionLogs: {
    columns: [
      'Id:text!',
      'UserId:text!',
      'ActionType:text!',
      'Description:text!',
      'Timestamp:text!',
      'Status:text!',
      'AffectedResourceIds:text',
      'PayloadJson:text',
      'InverseActionType:text',
      'InversePayloadJson:text',
      'CanBatch:integer!',
      'IsPersistent:integer!',
      'UndoneAt:text',
      'UndoneByUserId:text',
      'ExpiresAt:text',
      'ErrorMessage:text',
      'CorrelationId:text',
    ],
    indexes: [
      'UserId',
      'ActionType',
      'Status',
      'Timestamp',
      'UserId,Timestamp',
      'Status,Timestamp',
      'CorrelationId',
      'ExpiresAt',
    ],
  },
};

/**
 * Columns added to the specification on purpose: the audit quartet on every table (the seed's
 * README promises it for all entities), RowVersion for optimistic concurrency on every table,
 * ProjectStates.LastVersionNumber (version numbers are never reused, even after a purge) and the
 * export lease (ExportHistory.LeaseOwner/LeaseExpiresAt/Attempts: exports survive a worker's death).
 * A `Table.Column` entry is allowed on that table only: ActionLogs.ProjectId serves a project's
 * activity.
 */
const ADDED_COLUMNS = new Set([
  'CreatedAt',
  'UpdatedAt',
  'CreatedBy',
  'ModifiedBy',
  'RowVersion',
  'LastVersionNumber',
  'LeaseOwner',
  'LeaseExpiresAt',
  'Attempts',
  'ActionLogs.ProjectId',
]);

/** Tables the specification does not have: users, logins, API tokens, per-user ratings, worker heartbeats, backup runs, job runs. */
const SERVICE_TABLES = [
  'Users',
  'Sessions',
  'ApiTokens',
  'TemplateRatings',
  'WorkerHeartbeats',
  'BackupRuns',
  'JobRuns',
  'ErasureLog',
];

const CASCADE_CHILDREN = ['SceneStates', 'AssetStates', 'RenderCheckpoints', 'ProjectVersions'];

describe('schema read from a migrated database equals the specification', () => {
  const { sqlite } = migratedDatabase();
  const live = describeSchema(sqlite);

  it("has the 13 tables of the specification, plus only the service's own", () => {
    expect(Object.keys(live).sort()).toEqual([...Object.keys(SPEC), ...SERVICE_TABLES].sort());
  });

  for (const [table, spec] of Object.entries(SPEC)) {
    describe(table, () => {
      it('has every column with its type and nullability', () => {
        const columns = new Map(live[table]!.columns.map((c) => [c.name, c]));
        for (const entry of spec.columns) {
          const [name, typeSpec] = entry.split(':') as [string, string];
          const column = columns.get(name);
          expect(column, `${table}.${name}`).toBeDefined();
          expect(column!.type, `${table}.${name} type`).toBe(typeSpec.replace('!', ''));
          // SQLite's INTEGER PRIMARY KEY never holds NULL even without NOT NULL.
          if (!(column!.primaryKey && column!.type === 'integer'))
            expect(column!.notNull, `${table}.${name} NOT NULL`).toBe(typeSpec.endsWith('!'));
        }
      });

      it('adds nothing beyond audit, RowVersion and soft-delete columns', () => {
        const listed = new Set(spec.columns.map((c) => c.split(':')[0]));
        const extra = live[table]!.columns.map((c) => c.name).filter((n) => !listed.has(n));
        for (const name of extra)
          expect(
            ADDED_COLUMNS.has(name) || ADDED_COLUMNS.has(`${table}.${name}`),
            `${table}.${name}`,
          ).toBe(true);
        expect(live[table]!.columns.some((c) => c.name === 'RowVersion' && c.notNull)).toBe(true);
      });

      it('has every listed index', () => {
        const indexes = live[table]!.indexes.map((i) => ({
          cols: i.columns.join(','),
          unique: i.unique,
        }));
        for (const cols of spec.indexes)
          expect(indexes, `${table}(${cols})`).toContainEqual({ cols, unique: false });
        for (const cols of spec.unique ?? [])
          expect(indexes, `unique ${table}(${cols})`).toContainEqual({ cols, unique: true });
      });
    });
  }

  it('cascades project children on delete and keys them by ProjectId', () => {
    for (const table of CASCADE_CHILDREN) {
      expect(live[table]!.foreignKeys).toEqual([
        { column: 'ProjectId', references: 'ProjectStates.Id', onDelete: 'CASCADE' },
      ]);
    }
  });

  it("runs the README's example query in the sqlite3 shell", () => {
    const { file, db } = migratedDatabase();
    insertAudited(db, projectStates, { title: 'Shell check' }, 'tester');
    const out = execFileSync(
      'sqlite3',
      [file, 'SELECT Id, Title, Status, UpdatedAt FROM ProjectStates LIMIT 10;'],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(
      /^[0-9a-f-]{36}\|Shell check\|InProgress\|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/m,
    );
  });
});
