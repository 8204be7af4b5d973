export * from './changes';
export * from './folder';
export * from './manifest';
export * from './recover';
export * from './store';
