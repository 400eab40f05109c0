#!/usr/bin/env bash
# The C sources follow .clang-format (docs/conventions.md): clang-format changes nothing.
# Usage: tests/abi/check_format.sh SOURCE_ROOT CLANG_FORMAT
set -euo pipefail
cd "$1"
files=$(git ls-files 'lib/*.c' 'lib/*.h' 'include/*.h' 'tests/*.c' 'tests/*.h' 'examples/*.c' 'tools/*.c' 'tools/*.h' 'bindings/*.c' 'bindings/*.h' 2>/dev/null || true)
if [ -z "$files" ]; then
  echo "not a git checkout: nothing to check"
  exit 77
fi
echo "$files" | xargs "$2" --style=file --dry-run --Werror
echo "$(echo "$files" | wc -l) files formatted"
