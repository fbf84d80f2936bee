export * from './load';
export * from './export';
