#!/usr/bin/env bash
# Formatting drift: every C file of the tree must be as clang-format (with .clang-format) makes
# it. One TAP case that names the files that differ.
cd "${HYLLA_SOURCE_ROOT:-$(dirname "$0")/..}" || exit 1
echo "1..1"
drift=$(git ls-files -co --exclude-standard '*.c' '*.h' | while read -r f; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"
done)
if [ -z "$drift" ]; then
    echo "ok 1 - every C file is formatted"
else
    echo "not ok 1 - differs from clang-format (run clang-format -i on them): $(echo $drift)"
fi
