export * from './lineSplitter';
export * from './noise';
export * from './classifier';
export * from './format';
