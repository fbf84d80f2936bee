// Message formats the verdicts are read from, with where each comes from upstream. Kept apart
// from the engine so a new Kubernetes wording is a one-line change with a test.

/** kube-scheduler FailedScheduling: "0/3 nodes are available: 3 Insufficient cpu, 2 Insufficient memory. preemption: …". */
export const INSUFFICIENT = /(\d+) Insufficient ([\w/-]+(?:\.[\w/-]+)*)/g;
/** "0/3 nodes are available: …" (the part before the preemption note). */
export const NODES_AVAILABLE = /^(\d+)\/(\d+) nodes are available: ([^]*?)(?:\. preemption:|$)/;

/** kubelet secret volume plugin (pkg/volume/secret): FailedMount "MountVolume.SetUp failed for volume \"v\" : references non-existent secret key: k". */
export const NON_EXISTENT_SECRET_KEY = /references non-existent secret key: (\S+)/;
/** kubelet env from secretKeyRef (CreateContainerConfigError): "couldn't find key k in Secret ns/name". */
export const COULD_NOT_FIND_KEY = /couldn't find key (\S+) in Secret ([\w.-]+)\/([\w.-]+)/;
/** The lab's pod runner for volume items: 'configmap/secret kubeconfig has no key "k"'. */
export const LAB_NO_KEY = /configmap\/secret ([\w.-]+) has no key "([^"]+)"/;
/** kubelet: 'secret "kubeconfig" not found' (FailedMount or CreateContainerConfigError). */
export const SECRET_NOT_FOUND = /secret "([^"]+)" not found/;

/** kubemark (cmd/kubemark/app/hollow_node.go) Args check: '"kubemark" does not take any arguments, got ["x"]'. */
export const NO_ARGUMENTS = /does not take any arguments, got (\[.*\])/;
/** cobra/pflag: "unknown flag: --foo", "unknown shorthand flag: 'x' in -x". */
export const UNKNOWN_FLAG = /unknown (?:shorthand )?flag: (?:'\S' in )?(-{1,2}[\w.-]+)/;
/** pflag: 'invalid argument "abc" for "--kubelet-port" flag: …'. */
export const INVALID_FLAG_VALUE = /invalid argument "([^"]*)" for "((?:-\w, )?-{1,2}[\w.-]+)" flag/;
/** kubemark run(): "Unknown morph: x. allowed values: [kubelet proxy]". */
export const UNKNOWN_MORPH = /Unknown morph: (\S*)\. allowed values/;

/** kubemark run() with --use-host-image-service: "Failed to init image service, error: …". */
export const IMAGE_SERVICE = /Failed to init image service|failed to create image service|containerd\.sock.*no such file or directory|unknown service: runtime\.v1alpha2\.ImageService/;

/** kubemark run(): "error while loading kubeconfig from file /kubeconfig/kubelet.kubeconfig: open …: no such file or directory". */
export const KUBECONFIG_LOAD = /error while loading kubeconfig from file (\S+?):? (.*)/;

/** kubelet (pkg/kubelet/kubelet_node_status.go): "Unable to register node with API server" err="Post \"https://…/api/v1/nodes\": dial tcp …: connect: connection refused". */
export const UNABLE_TO_REGISTER = /Unable to register node with API server/;
/** Other hollow-kubelet calls to the masters apiserver that fail the same way. */
export const MASTERS_CALL = /Unable to register node with API server|Failed to ensure lease exists|Error updating node status|Failed to contact API server|Error getting node/;
export const NETWORK_ERROR = /connect: connection refused|i\/o timeout|no such host|context deadline exceeded|Client\.Timeout exceeded|network is unreachable|no route to host|connection reset by peer|dial tcp/;
export const TLS_ERROR = /x509: |tls: failed to verify|certificate signed by unknown authority/;
export const AUTH_ERROR = /\bUnauthorized\b|\bforbidden\b|the server has asked for the client to provide credentials/;
/** The server in a client-go error: Post "https://10.0.0.1:6443/api/v1/nodes" (quotes may be escaped). */
export const URL_IN_ERROR = /(?:Post|Get|Put|Patch|Delete) \\*"(https?:\/\/[^/"\\\s]+)/;

/** Container waiting reasons of an image that cannot be pulled (kubelet images package). */
export const IMAGE_PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable', 'ErrImageInspect']);
/** kubelet image events: Failed "Failed to pull image \"x\": …", BackOff "Back-off pulling image \"x\"". */
export const IMAGE_PULL_EVENT = /Failed to pull image|Back-off pulling image|ErrImagePull|ImagePullBackOff|InvalidImageName|couldn't parse image reference/;

/** kubelet BackOff: "Back-off restarting failed container c in pod p_ns(uid)"; the lab appends "(exited with code N)". */
export const BACKOFF_RESTART = /Back-off (\S+ )?restarting failed container (\S+)/;
export const EXITED_WITH_CODE = /exited with code (-?\d+)/;

/** Waiting reasons of a container that is still being set up (not a failure yet). */
export const CREATING_REASONS = new Set(['ContainerCreating', 'PodInitializing']);
