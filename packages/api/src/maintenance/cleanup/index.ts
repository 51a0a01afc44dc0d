/**
 * The cleanup jobs the worker runs on a schedule (and an admin may run by hand), one module per
 * job; shared.ts holds what they have in common (options, the settings read, the batch loop).
 */
export { CLEANUP_BATCH_SIZE, type CleanupOptions, type FileCleanupOptions } from './shared';
export * from './temp-assets';
export * from './actions';
export * from './autosaves';
export * from './blobs';
export * from './trash';
export * from './checkpoints';
export * from './exports';
export * from './stale-projects';
export * from './search-index';
