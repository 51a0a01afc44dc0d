import { baseTestConfig } from '@aura/vitest-config';

export default baseTestConfig;
