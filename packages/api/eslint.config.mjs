import baseConfig from '@aura/eslint-config';

export default [...baseConfig];
