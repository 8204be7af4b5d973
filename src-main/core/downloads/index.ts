export * from './queue';
export * from './naming';
