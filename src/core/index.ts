// The editor-free core as one library (dist/core.js): the lab tests and other tools use the
// same generator and rules as the extension.
export * from './manifest';
export { lint, looksLikeKubemark } from './rules';
export { exportStandaloneKubeconfig, loadKubeConfig } from './kubeconfig';
export { LogFilter, formatSummary } from './logs';
