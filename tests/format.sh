#!/usr/bin/env bash
# Formatting drift: every C file of the tree must be as clang-format (with .clang-format) makes it.
# Prints TAP, one case per file.
cd "${HYLLA_SOURCE_ROOT:-$(dirname "$0")/..}" || exit 1
mapfile -t files < <(git ls-files -co --exclude-standard '*.c' '*.h')
echo "1..${#files[@]}"
n=0
for f in "${files[@]}"; do
    n=$((n + 1))
    if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "ok $n - $f is formatted"
    else
        echo "not ok $n - $f differs from clang-format (run: clang-format -i $f)"
    fi
done
