#!/usr/bin/env bash
# npm run lab:bench [-- N]: figures for N (default 20) hollow nodes; see bench.mjs
set -euo pipefail
exec node "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bench.mjs" "$@"
