#!/usr/bin/env bash
# Fetches one pinned native llama.cpp build with `npm pack`, checks the tarball against the
# integrity hash in pins.txt and unpacks its libraries into .cache/native/<runtime-id>/.
# Usage: fetch.sh [runtime-id]   (default: this machine's)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)

rid=${1:-}
if [ -z "$rid" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) rid=linux-x64 ;;
    Darwin-arm64) rid=osx-arm64 ;;
    *) echo "fetch.sh: no pinned llama.cpp build for $(uname -s) $(uname -m)" >&2; exit 1 ;;
  esac
fi

line=$(grep -E "^$rid[[:space:]]" "$here/pins.txt" || true)
[ -n "$line" ] || { echo "fetch.sh: runtime '$rid' is not pinned in $here/pins.txt" >&2; exit 1; }
read -r _ package version integrity folder <<<"$line"

dest="$root/.cache/native/$rid"
stamp="$dest/.integrity"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$integrity" ]; then
  echo "native llama.cpp for $rid: present ($package@$version)"
  exit 0
fi

command -v npm >/dev/null || { echo "fetch.sh: npm is needed to fetch $package (apt-get install -y npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetching $package@$version with npm pack ..."
(cd "$work" && npm pack "$package@$version" --silent >/dev/null 2>"$work/npm.err") \
  || { cat "$work/npm.err" >&2; echo "fetch.sh: npm pack $package@$version failed" >&2; exit 1; }
tarball=$(ls "$work"/*.tgz)

actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$integrity" ]; then
  echo "fetch.sh: integrity mismatch for $package@$version" >&2
  echo "  pinned:   $integrity" >&2
  echo "  received: $actual" >&2
  exit 1
fi

tar -xzf "$tarball" -C "$work"
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
cp -a "$work/package/bins/$folder/." "$dest.tmp/"
cp "$work/package/LICENSE" "$dest.tmp/LICENSE.node-llama-cpp" 2>/dev/null || true
# The node addon is not ours to load; keep only the C libraries.
rm -f "$dest.tmp"/*.node
(cd "$dest.tmp" && sha256sum lib* > SHA256SUMS)
echo "$integrity" > "$dest.tmp/.integrity"
rm -rf "$dest" && mv "$dest.tmp" "$dest"
echo "native llama.cpp for $rid: installed into ${dest#$root/} ($package@$version, integrity verified)"
