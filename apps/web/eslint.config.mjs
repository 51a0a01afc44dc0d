import { typeCheckedConfig } from '@aura/eslint-config';
import nextPlugin from '@next/eslint-plugin-next';
import globals from 'globals';

export default [
  ...typeCheckedConfig,
  {
    // Not limited by `files`: `next build` looks for the plugin in the config of this file.
    plugins: { '@next/next': nextPlugin },
    rules: {
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs['core-web-vitals'].rules,
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
];
