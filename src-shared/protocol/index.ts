export * from './constants';
export * from './errors';
export * from './status';
export * from './commands';
export * from './bound';
export * from './replies';
export * from './framer';
export * from './video-frame';
