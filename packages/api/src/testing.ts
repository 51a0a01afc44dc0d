/**
 * `@aura/api/testing`: for the tests of the other packages (web, worker), which set up users,
 * tokens, versions, settings and exports through the same services the API uses instead of
 * writing rows by hand. The api package's own tests import its modules directly.
 */
export { createApiToken, createUser, insertUser, type Principal } from './auth/service';
export { hashPassword } from './auth/crypto';
export { getConfig, setConfig } from './config/service';
export { cancelExport, enqueueExport, getExport } from './exports/service';
export { checkReferenceCounts } from './versions/storage';
export { createVersion } from './versions/history';
