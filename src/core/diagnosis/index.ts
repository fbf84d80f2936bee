export * from './types';
export { diagnose, errorLines, findManifestLine, formatCpu, formatMemory, DEFAULT_LEASE_DURATION_SECONDS, MAX_ERROR_LINES } from './engine';
export type { ContainerErrors } from './engine';
export { kubeconfigSecretRefs, kubeconfigServer } from './podSpec';
export type { PodSpecLike, SecretRef } from './podSpec';
export { renderDiagnosisMarkdown } from './render';
export { checkSameCluster, normalizeServer, SAME_CLUSTER_REMEDY } from './sameCluster';
export { argsWithFakeImageService } from './actions';
export type { ClusterIdentity, SameClusterResult } from './sameCluster';
