#!/usr/bin/env bash
# Build the local cluster's binaries from the Go module proxy, once per machine.
#
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (one
#   multi-call binary, symlinked), kwok and kwokctl.
#
# They land in $HUBTUI_CACHE/cluster/<key>/bin (HUBTUI_CACHE defaults to
# ~/.cache/hubtui), where <key> names every version and a hash of our Go
# sources, so a second run finds them and returns at once. The last line printed
# on stdout is that bin folder; progress goes to stderr.
set -euo pipefail

K8S_VERSION=v1.36.3
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
GO_MIN=1.26

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${HUBTUI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hubtui}
src_hash=$(cat "$here"/go/k8s/go.mod "$here"/go/k8s/main.go "$here"/go/etcd/go.mod "$here"/go/etcd/main.go | sha256sum | cut -c1-10)
key="k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-$src_hash"
bin="$cache/cluster/$key/bin"
want=(hubtui-k8s etcd kwok kwokctl)

say() { echo "cluster/build: $*" >&2; }
die() { echo "cluster/build: error: $*" >&2; exit 1; }

have_all() {
  local f
  for f in "${want[@]}"; do [ -x "$bin/$f" ] || return 1; done
}

if have_all; then
  echo "$bin"
  exit 0
fi

# The go command: $GO, else go on PATH, else the usual install folder.
GO=${GO:-$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)}
[ -x "$GO" ] || command -v "$GO" >/dev/null 2>&1 ||
  die "the Go toolchain is missing (no '$GO'): install Go >= $GO_MIN and put 'go' on PATH (or set GO=/path/to/go), then run this again"
go_version=$("$GO" env GOVERSION 2>/dev/null | sed 's/^go//')
[ -n "$go_version" ] ||
  die "'$GO env GOVERSION' failed: is the Go installation at $GO complete?"
if [ "$(printf '%s\n%s\n' "$GO_MIN" "$go_version" | sort -V | head -1)" != "$GO_MIN" ]; then
  die "Go $go_version is too old: kwok $KWOK_VERSION needs Go >= $GO_MIN"
fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
tmp="$cache/cluster/$key/tmp"
mkdir -p "$tmp"
log="$cache/cluster/$key/build.log"
: >"$log"

run_step() { # name, then the command
  local name=$1; shift
  say "building $name (log: $log) ..."
  local start=$SECONDS
  if ! "$@" >>"$log" 2>&1; then
    tail -n 15 "$log" >&2
    die "building $name failed (full log: $log)"
  fi
  say "built $name in $((SECONDS - start))s"
}

ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=36 \
-X k8s.io/component-base/version.gitTreeState=clean \
-X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"

[ -x "$tmp/hubtui-k8s" ] ||
  run_step "Kubernetes $K8S_VERSION (kube-apiserver, controller-manager, scheduler, kubectl)" \
    bash -c "cd '$here/go/k8s' && '$GO' build -trimpath -ldflags '$ldflags' -o '$tmp/hubtui-k8s' ."
[ -x "$tmp/etcd" ] ||
  run_step "etcd $ETCD_VERSION" \
    bash -c "cd '$here/go/etcd' && '$GO' build -trimpath -ldflags '-s -w' -o '$tmp/etcd' ."
[ -x "$tmp/kwok" ] && [ -x "$tmp/kwokctl" ] ||
  run_step "kwok and kwokctl $KWOK_VERSION" \
    env GOBIN="$tmp" "$GO" install -trimpath -ldflags '-s -w' \
      "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"

for n in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  ln -sf hubtui-k8s "$tmp/$n"
done
# Publish the finished set in one step, so an interrupted build is never taken for a good one.
rm -rf "$bin"
mv "$tmp" "$bin"
have_all || die "the build finished but $bin is incomplete"
say "binaries ready in $bin"
echo "$bin"
