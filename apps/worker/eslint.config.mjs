import { typeCheckedConfig } from '@aura/eslint-config';

export default typeCheckedConfig;
