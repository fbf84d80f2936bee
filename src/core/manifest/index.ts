export * from './options';
export * from './generate';
