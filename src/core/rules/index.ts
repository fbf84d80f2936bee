export * from './types';
export * from './catalog';
export { lint, looksLikeKubemark } from './engine';
export { applyEdits, SourceText } from './source';
