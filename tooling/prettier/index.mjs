/** Shared Prettier configuration for every package of the workspace. */
export default {
  printWidth: 100,
  singleQuote: true,
  trailingComma: 'all',
  semi: true,
};
