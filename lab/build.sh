#!/usr/bin/env bash
# Build the lab's binaries into lab/bin (git-ignored). Go's default caches
# (GOCACHE, GOMODCACHE) are used, so a second build is quick.
#   lab/build.sh [all|k8s|labctl|kwok]   (default: all; only what is missing or stale is rebuilt by go)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
what="${1:-all}"
min_go="1.26"

# `npm test` (scripts/run-tests.mjs) builds once before its lab suites and sets
# KUBEMARK_LAB_BUILT to this lab/bin: the suites' own builds (a `lab:up`, a test's before)
# are then skipped instead of each spending 2-3 s on go's no-op check. Only for this
# checkout's lab/bin, only when every binary asked for is there, and only when no file under
# lab/ (its Go code, go.mod, kwok/: all the sources built here) is newer than them: a
# KUBEMARK_LAB_BUILT that leaked into a shell (or an editor started from it) never runs stale
# binaries after an edit. The binaries' times are their build's start (set below).
if [ -n "${KUBEMARK_LAB_BUILT:-}" ] && [ "$KUBEMARK_LAB_BUILT" = "$here/bin" ]; then
  case "$what" in
    all) need=(kubemark-labctl kwok kubemark-lab) ;;
    k8s) need=(kubemark-lab) ;;
    labctl) need=(kubemark-labctl) ;;
    kwok) need=(kwok) ;;
    *) need=(missing-target) ;;
  esac
  built=1
  for b in "${need[@]}"; do
    [ -x "bin/$b" ] || { built=0; break; }
    newer="$(find . -path ./bin -prune -o -type f -newer "bin/$b" -print -quit)"
    if [ -n "$newer" ]; then
      echo "lab build: KUBEMARK_LAB_BUILT is set, but lab/${newer#./} is newer than bin/$b: building" >&2
      built=0; break
    fi
  done
  if [ "$built" = 1 ]; then
    echo "lab build: up to date (built at the start of this test run: KUBEMARK_LAB_BUILT)" >&2
    exit 0
  fi
fi

die() { echo "lab build: $*" >&2; exit 1; }
command -v go >/dev/null 2>&1 || {
  [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH" || die "Go is not installed (need Go >= $min_go on PATH; see https://go.dev/doc/install)"
}
have="$(go env GOVERSION 2>/dev/null | sed 's/^go//')"
[ -n "$have" ] || die "cannot run 'go env GOVERSION'; is Go >= $min_go installed correctly?"
if [ "$(printf '%s\n%s\n' "$min_go" "$have" | sort -V | head -1)" != "$min_go" ]; then
  die "Go $have is too old: the lab's k8s.io/kubernetes $(cat K8S_VERSION) and KWOK need Go >= $min_go"
fi
export GOTOOLCHAIN=local
k8sver="$(cat K8S_VERSION)"
kwokver="$(cat kwok/KWOK_VERSION)"
mkdir -p bin
ts() { date +%s; }
fmt() { local s=$1; printf '%dm%02ds' $((s/60)) $((s%60)); }
# Each binary's time is set to its build's start (go writes it at the end): a source saved
# while go was building stays newer, and the KUBEMARK_LAB_BUILT skip above builds again.

major="${k8sver#v}"; major="${major%%.*}"
minor="${k8sver#v*.}"; minor="${minor%%.*}"
vpkg=k8s.io/component-base/version
ldk8s="-s -w -X $vpkg.gitVersion=$k8sver -X $vpkg.gitMajor=$major -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
# the kubelet/kube-proxy also look at this one in some releases
ldk8s="$ldk8s -X k8s.io/client-go/pkg/version.gitVersion=$k8sver"

build_k8s() {
  local t0 start; t0=$(ts); start=$(date +%s.%N)
  echo "lab build: kubemark-lab (k8s.io/kubernetes $k8sver: apiserver, controller-manager, scheduler, kubemark, kubectl, etcd) ..." >&2
  if ! go build -trimpath -ldflags "$ldk8s" -o bin/kubemark-lab ./cmd/kubemark-lab; then
    die "building kubemark-lab failed (see the compiler output above)"
  fi
  touch -d "@$start" bin/kubemark-lab
  echo "lab build: kubemark-lab built in $(fmt $(( $(ts) - t0 )))" >&2
}
build_labctl() {
  local t0 start; t0=$(ts); start=$(date +%s.%N)
  echo "lab build: kubemark-labctl (supervisor + pod runner) ..." >&2
  go build -trimpath -ldflags "-s -w -X main.k8sVersion=$k8sver -X main.kwokVersion=$kwokver" -o bin/kubemark-labctl ./cmd/kubemark-labctl \
    || die "building kubemark-labctl failed (see the compiler output above)"
  touch -d "@$start" bin/kubemark-labctl
  echo "lab build: kubemark-labctl built in $(fmt $(( $(ts) - t0 )))" >&2
}
build_kwok() {
  local t0 start; t0=$(ts); start=$(date +%s.%N)
  echo "lab build: kwok $kwokver (own module lab/kwok) ..." >&2
  ( cd kwok && go build -trimpath -ldflags "-s -w" -o ../bin/kwok sigs.k8s.io/kwok/cmd/kwok ) \
    || die "building kwok failed (see the compiler output above)"
  touch -d "@$start" bin/kwok
  echo "lab build: kwok built in $(fmt $(( $(ts) - t0 )))" >&2
}

T0=$(ts)
case "$what" in
  all) build_labctl; build_kwok; build_k8s ;;
  k8s) build_k8s ;;
  labctl) build_labctl ;;
  kwok) build_kwok ;;
  *) die "unknown target '$what' (all|k8s|labctl|kwok)" ;;
esac
echo "lab build: done in $(fmt $(( $(ts) - T0 ))) (GOCACHE=$(go env GOCACHE))" >&2
