/** Value sets the specification lists for status-like columns (enforced by CHECK constraints). */
export const PROJECT_STATUSES = ['InProgress', 'Completed', 'Failed', 'Cancelled'] as const;
export const PROJECT_STAGES = ['Script', 'TTS', 'Images', 'Composition', 'Render'] as const;
export const ASSET_TYPES = ['Audio', 'Image', 'Video', 'Subtitle'] as const;
export const VERSION_TYPES = ['Manual', 'Autosave', 'RestorePoint'] as const;
/** Documented content types; not a CHECK, so blob layouts can add kinds without a table rebuild. */
export const CONTENT_TYPES = ['Brief', 'Plan', 'Voice', 'Render', 'Timeline', 'Asset'] as const;
export const CONFIG_VALUE_TYPES = ['string', 'json', 'boolean', 'number'] as const;
/** The seed lists Queued, InProgress, Completed, Failed; cancelling a queued or running export is Cancelled. */
export const EXPORT_STATUSES = [
  'Queued',
  'InProgress',
  'Completed',
  'Failed',
  'Cancelled',
] as const;
export const ACTION_STATUSES = ['Applied', 'Undone', 'Failed', 'Expired'] as const;

/** Admin: everything; editor: reads and writes content; viewer: reads only. */
export const USER_ROLES = ['admin', 'editor', 'viewer'] as const;

export type UserRole = (typeof USER_ROLES)[number];
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];
export type ProjectStage = (typeof PROJECT_STAGES)[number];
export type AssetType = (typeof ASSET_TYPES)[number];
export type VersionType = (typeof VERSION_TYPES)[number];
export type ContentType = (typeof CONTENT_TYPES)[number];
export type ConfigValueType = (typeof CONFIG_VALUE_TYPES)[number];
export type ExportStatus = (typeof EXPORT_STATUSES)[number];
export type ActionStatus = (typeof ACTION_STATUSES)[number];
