export * from './types';
export * from './catalog';
export { lint, looksLikeKubemark, contentTypeConvention } from './engine';
export { kubeletSkew, kubemarkAdvice, recommendedKubemark, versionOfTag } from './version';
export { applyEdits, SourceText } from './source';
