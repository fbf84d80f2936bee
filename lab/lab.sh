#!/usr/bin/env bash
# Entry of `npm run lab:up|lab:down|lab:status|lab:stop|lab:start|lab:pause|lab:resume|lab:kubectl`:
# builds what is missing or stale (lab/build.sh, quick when Go's cache is warm), then runs
# lab/bin/kubemark-labctl (or, for kubectl, lab/bin/kubemark-lab kubectl with the lab's kubeconfig).
#   lab/lab.sh up [--nodes N] | down [--purge] | status [--json]
#   lab/lab.sh stop|start|pause|resume COMPONENT...
#   lab/lab.sh kubectl [kubectl arguments]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
verb="${1:-status}"; shift || true
bins=("$here/bin/kubemark-lab" "$here/bin/kubemark-labctl" "$here/bin/kwok")
missing=0
for b in "${bins[@]}"; do [ -x "$b" ] || missing=1; done
if [ "$verb" = up ]; then
  if command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ]; then
    "$here/build.sh" all
  elif [ "$missing" = 1 ]; then
    echo "lab: Go is not installed and lab/bin is incomplete: install Go >= 1.26 (https://go.dev/doc/install), then run npm run lab:up again" >&2
    exit 1
  else
    echo "lab: Go not found; using the binaries already in lab/bin" >&2
  fi
elif [ "$verb" = kubectl ]; then
  [ -x "$here/bin/kubemark-lab" ] || "$here/build.sh" k8s
  export KUBECONFIG="${KUBEMARK_LAB_DIR:-$(dirname "$here")/.kubemark-lab}/kubeconfig"  # the lab's, whatever KUBECONFIG says
  exec "$here/bin/kubemark-lab" kubectl "$@"
elif [ ! -x "$here/bin/kubemark-labctl" ]; then
  "$here/build.sh" labctl
fi
exec "$here/bin/kubemark-labctl" "$verb" "$@"
