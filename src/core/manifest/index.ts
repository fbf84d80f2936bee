export * from './options';
export * from './generate';
export * from './objects';
