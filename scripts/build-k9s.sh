#!/usr/bin/env bash
# Build k9s at a pinned version from the Go module proxy, once per machine (the peer in bench/big_namespace.py).
#
# It lands in $HUBTUI_CACHE/k9s/<version>/bin/k9s (HUBTUI_CACHE defaults to ~/.cache/hubtui), with its own
# GOPATH and GOCACHE beside it; a second run finds it and returns at once. The last line printed on stdout is
# the path of the k9s binary; progress goes to stderr. Uses the same Go toolchain as cluster/build.sh.
set -euo pipefail

K9S_VERSION=${K9S_VERSION:-v0.50.16}
GO_MIN=1.24

cache=${HUBTUI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hubtui}
root="$cache/k9s/$K9S_VERSION"
bin="$root/bin/k9s"

say() { echo "build-k9s: $*" >&2; }
die() { echo "build-k9s: error: $*" >&2; exit 1; }

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

GO=${GO:-$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)}
[ -x "$GO" ] || command -v "$GO" >/dev/null 2>&1 ||
  die "the Go toolchain is missing (no '$GO'): install Go >= $GO_MIN and put 'go' on PATH (or set GO=/path/to/go)"
go_version=$("$GO" env GOVERSION 2>/dev/null | sed 's/^go//')
[ -n "$go_version" ] || die "'$GO env GOVERSION' failed: is the Go installation at $GO complete?"
if [ "$(printf '%s\n%s\n' "$GO_MIN" "$go_version" | sort -V | head -1)" != "$GO_MIN" ]; then
  die "Go $go_version is too old: k9s $K9S_VERSION needs Go >= $GO_MIN"
fi

mkdir -p "$root/bin" "$root/gopath" "$root/gocache"
log="$root/build.log"
say "building k9s $K9S_VERSION (log: $log); this takes several minutes on 2 cores ..."
start=$SECONDS
if ! env GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOBIN="$root/bin" GOPATH="$root/gopath" \
    GOCACHE="$root/gocache" "$GO" install -trimpath -ldflags '-s -w' "github.com/derailed/k9s@$K9S_VERSION" \
    >"$log" 2>&1; then
  tail -n 15 "$log" >&2
  die "building k9s failed (full log: $log)"
fi
[ -x "$bin" ] || die "go install finished but $bin is missing (log: $log)"
say "built k9s in $((SECONDS - start))s"
echo "$bin"
