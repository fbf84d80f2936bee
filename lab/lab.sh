#!/usr/bin/env bash
# Entry of `npm run lab:up|lab:down|lab:status`: builds what is missing or stale
# (lab/build.sh, quick when Go's cache is warm), then runs lab/bin/kubemark-labctl.
#   lab/lab.sh up [--nodes N] | down [--purge] | status [--json]
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
elif [ "$missing" = 1 ] && [ ! -x "$here/bin/kubemark-labctl" ]; then
  "$here/build.sh" labctl
fi
exec "$here/bin/kubemark-labctl" "$verb" "$@"
