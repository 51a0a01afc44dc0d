export * from './projects';
export * from './versions';
export * from './config';
export * from './templates';
export * from './history';
export * from './auth';
export * from './worker';
export * from './relations';
