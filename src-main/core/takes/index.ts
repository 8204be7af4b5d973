export * from './folder';
export * from './manifest';
export * from './recover';
