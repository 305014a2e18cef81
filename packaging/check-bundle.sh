#!/usr/bin/env bash
# check-bundle.sh PREFIX: proves that an installed offline tree is self-contained. With a cleared
# environment, `ldd` of every executable in PREFIX/bin and every Qt plugin must resolve each
# library inside PREFIX, except those packaging/system-libraries.txt names (glibc, the GPU driver,
# libglvnd), and none of those may be bundled. Prints one line per problem; exit 1 if any.
set -euo pipefail
prefix=$(cd "$1" && pwd)
system=$(dirname "$0")/system-libraries.txt
problems=0
checked=0
for f in "$prefix"/bin/* "$prefix"/lib/elastic-chat/plugins/*/*.so; do
    file -b "$f" | grep -q '^ELF' || continue
    checked=$((checked + 1))
    while read -r name arrow path _; do
        [ "$arrow" = "=>" ] || continue
        if [ "$path" = "not" ]; then
            echo "$f: $name not found"
            problems=$((problems + 1))
        elif [[ "$path" != "$prefix"/* ]] && ! grep -qE -f <(grep -v '^#' "$system") <<<"$name"; then
            echo "$f: $name comes from $path, outside the bundle"
            problems=$((problems + 1))
        fi
    done < <(env -i /usr/bin/ldd "$f")
done
while read -r bundled; do
    echo "bundled but must come from the system: $bundled"
    problems=$((problems + 1))
done < <(ls "$prefix/lib/elastic-chat" | grep -E -f <(grep -v '^#' "$system") || true)
echo "check-bundle: $checked binaries and plugins checked, $problems problems"
[ "$problems" -eq 0 ]
