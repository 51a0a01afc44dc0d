/**
 * The versions service, by concern: capturing, listing and editing versions (history.ts),
 * removing them for good (purge.ts), writing one back into its project (restore.ts), and the
 * blob store's statistics and maintenance (storage.ts).
 */
export * from './history';
export * from './purge';
export * from './restore';
export * from './storage';
