#!/usr/bin/env bash
# `meson install` puts the headers, the libraries and voiceops.pc in place, and a program
# builds against the installed copy through pkg-config alone and runs.
# Usage: tests/abi/check_install.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR="$dest" meson install -C "$build" --quiet --no-rebuild >/dev/null
pc=$(find "$dest" -name voiceops.pc | head -1)
[ -n "$pc" ] || { echo "no voiceops.pc installed"; exit 1; }
for h in "$root"/include/voiceops.h "$root"/include/voiceops/*.h; do
  f=${h#"$root/include/"}
  [ -n "$(find "$dest" -path "*/include/$f")" ] || { echo "missing header $f"; exit 1; }
done
doc=$(find "$dest" -type d -path '*/share/doc/libvoiceops' | head -1)
[ -n "$doc" ] || { echo "no share/doc/libvoiceops"; exit 1; }
for f in LICENSE README.md CHANGELOG.md CONTRIBUTING.md docs/architecture.md docs/conventions.md \
         examples/c/demo.c examples/c/verify_webhooks.c; do
  [ -f "$doc/$f" ] || { echo "missing $f in $doc"; exit 1; }
done
so=$(find "$dest" -name 'libvoiceops.so.*.*.*' | head -1)
[ -n "$so" ] || { echo "no versioned shared library"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$dest"
cc -std=c99 -Wall -Wextra -Werror "$root/examples/c/verify_webhooks.c" \
  $(pkg-config --cflags voiceops) $(pkg-config --libs voiceops) -o "$dest/verify_webhooks"
LD_LIBRARY_PATH=$(dirname "$so") "$dest/verify_webhooks" >/dev/null
# the voiceops tool, its man page and the sandbox it starts
tool=$(find "$dest" -type f -path '*/bin/voiceops' | head -1)
[ -n "$tool" ] || { echo "voiceops tool not installed"; exit 1; }
[ -n "$(find "$dest" -path '*/man1/voiceops.1*')" ] || { echo "voiceops.1 not installed"; exit 1; }
[ -n "$(find "$dest" -path '*/libvoiceops/sandbox/voiceops_sandbox/server.py')" ] ||
  { echo "sandbox not installed"; exit 1; }
LD_LIBRARY_PATH=$(dirname "$so") "$tool" --version | grep -q '^voiceops ' ||
  { echo "installed voiceops does not run"; exit 1; }
echo "installed: $(pkg-config --modversion voiceops), $(basename "$so"); example built and ran"
