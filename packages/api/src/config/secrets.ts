/**
 * Encryption at rest of sensitive configuration values (AES-256-GCM, key ring, rotation-safe
 * key ids). The core lives in the db package, because db:restore must check that a backup's
 * encrypted values can be decrypted before it replaces anything; this is the api's view of it.
 */
export {
  SECRET_ALGORITHM,
  SECRET_KEY_ENV,
  SECRET_KEY_FILE,
  SecretError,
  decryptSecret,
  encryptSecret,
  encryptedKeyId,
  envSecretKeys,
  generateSecretKey,
  isEncryptedValue,
  keyIdOf,
  keyringPath,
  loadKeyring,
  loggedSecretImages,
  parseLoggedPayload,
  parseSecretKey,
  storesSecret,
  writeKeyringFile,
  type EncryptedValue,
  type Keyring,
  type KeyringFile,
  type LoggedPayload,
  type SecretOptions,
} from '@aura/db';
