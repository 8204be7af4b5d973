export * from './recorder';
export * from './types';
export * from './classify';
