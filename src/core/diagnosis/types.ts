// The evidence bundle that "Why Not Ready?" judges, and the verdict it returns. Plain data (no
// client-node types, no vscode) so the engine is pure and the live layer can fill it from
// informer records as well as from the collector (src/cluster/diagnosis.ts).

/** Stable verdict codes: part of the `kubemark.whyNotReady` result, do not rename. */
export type VerdictCode =
  | 'ready'
  | 'image-pull'
  | 'unschedulable-resources'
  | 'unschedulable'
  | 'secret-missing'
  | 'secret-key-missing'
  | 'bad-arguments'
  | 'image-service-unavailable'
  | 'masters-unreachable'
  | 'masters-rejected'
  | 'crash-loop'
  | 'pod-pending'
  | 'not-run'
  | 'node-missing'
  | 'heartbeat-stale'
  | 'node-not-ready'
  | 'pod-missing'
  | 'unknown';

export const VERDICT_CODES: readonly VerdictCode[] = [
  'ready', 'image-pull', 'unschedulable-resources', 'unschedulable', 'secret-missing', 'secret-key-missing', 'bad-arguments',
  'image-service-unavailable', 'masters-unreachable', 'masters-rejected', 'crash-loop', 'pod-pending', 'not-run', 'node-missing',
  'heartbeat-stale', 'node-not-ready', 'pod-missing', 'unknown',
];

export interface ConditionEvidence {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  /** ISO time. */
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface ContainerStateEvidence {
  kind: 'waiting' | 'running' | 'terminated' | 'none';
  reason?: string;
  message?: string;
  exitCode?: number;
  signal?: number;
  startedAt?: string;
  finishedAt?: string;
}

export interface ContainerEvidence {
  name: string;
  init?: boolean;
  image?: string;
  ready?: boolean;
  restartCount: number;
  state: ContainerStateEvidence;
  lastState?: ContainerStateEvidence;
  /** command + args as written in the pod spec ($(VAR) unexpanded). */
  argv?: string[];
}

/** Resource amounts in base units: CPU in millicores, memory in bytes. */
export interface ResourceAmounts {
  cpuMilli: number;
  memoryBytes: number;
}

export interface PodEvidence {
  namespace: string;
  name: string;
  uid?: string;
  phase?: string;
  /** The workers node the pod is bound to. */
  nodeName?: string;
  deleting?: boolean;
  createdAt?: string;
  conditions: ConditionEvidence[];
  containers: ContainerEvidence[];
  /** Sum of the (non-init) containers' requests, max'ed with the largest init container request. */
  requests?: ResourceAmounts;
  owner?: { kind: string; name: string };
}

export interface EventEvidence {
  /** "Pod/hollow-node-0", "StatefulSet/hollow-node" */
  object: string;
  type: string;
  reason: string;
  message: string;
  count: number;
  /** ISO time of the last occurrence. */
  lastSeen?: string;
  /** e.g. spec.containers{hollow-kubelet} */
  fieldPath?: string;
}

export interface LogEvidence {
  container: string;
  /** The last lines of the previous (terminated) instance rather than the current one. */
  previous?: boolean;
  /** The last lines, oldest first (kubectl logs --tail). */
  lines: string[];
}

export interface MastersNodeEvidence {
  name: string;
  exists: boolean;
  conditions: ConditionEvidence[];
  taints: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
  createdAt?: string;
}

export interface LeaseEvidence {
  /** ISO time (microseconds allowed). */
  renewTime?: string;
  durationSeconds?: number;
  holder?: string;
}

export interface WorkersNodeEvidence {
  name: string;
  exists: boolean;
  conditions: ConditionEvidence[];
}

export interface SecretEvidence {
  namespace: string;
  name: string;
  exists: boolean;
  /** Key names only: values never enter the bundle. */
  keys: string[];
  /** Keys the pod reads from this Secret (volume items, or files named by --kubeconfig under the mount). */
  expectedKeys: string[];
  /** The apiserver the kubelet kubeconfig in the Secret points at (URL only, no credentials). */
  server?: string;
}

export interface CapacityEvidence {
  /** Workers nodes considered (schedulable, Ready). */
  nodes: number;
  /** The most free CPU and memory on any one node (allocatable − requests of the pods on it). */
  largestFree?: ResourceAmounts;
  /** The largest allocatable CPU and memory of any one node. */
  largestAllocatable?: ResourceAmounts;
}

export interface ManifestEvidence {
  /** A URI string (file:///…, untitled:…) of the open manifest. */
  uri: string;
  text: string;
}

export interface EvidenceBundle {
  target: { kind: 'pod' | 'node'; namespace?: string; name: string };
  /** Milliseconds since the epoch at collection time. */
  now: number;
  /** Absent: the pod does not exist (or was not looked for). */
  pod?: PodEvidence;
  podEvents: EventEvidence[];
  ownerEvents: EventEvidence[];
  logs: LogEvidence[];
  /** Absent: not looked up (no masters context). exists=false: no Node of that name. */
  mastersNode?: MastersNodeEvidence;
  lease?: LeaseEvidence;
  workersNode?: WorkersNodeEvidence;
  secret?: SecretEvidence;
  workersCapacity?: CapacityEvidence;
  manifest?: ManifestEvidence;
  /** What could not be fetched and why (403, unreachable…), one line each, no credentials. */
  problems: string[];
}

export type EvidenceSource = 'pod' | 'container' | 'event' | 'log' | 'masters-node' | 'lease' | 'workers-node' | 'secret' | 'capacity' | 'manifest';

export interface EvidenceItem {
  source: EvidenceSource;
  text: string;
  /** Where the line is, for manifest evidence: 0-based line and character. */
  location?: { uri: string; line: number; character: number };
}

export type DiagnosisActionId = 'scaffold' | 'openManifestLine' | 'setUseHostImageServiceFalse' | 'deleteNode' | 'scaleUp' | 'tailLogs' | 'lowerRequests';

export interface DiagnosisAction {
  id: DiagnosisActionId;
  title: string;
  /** Arguments for the command that carries the action out (plain JSON). */
  args?: Record<string, unknown>;
}

export interface Diagnosis {
  code: VerdictCode;
  /** One sentence: what is wrong. */
  verdict: string;
  /** One sentence: what to do. */
  nextStep: string;
  /** The facts behind the verdict, most telling first. */
  evidence: EvidenceItem[];
  actions?: DiagnosisAction[];
}
