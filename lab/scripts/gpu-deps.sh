#!/usr/bin/env bash
# Packs, from this (Debian) machine, the build dependencies the bare GPU image lacks into
# .gpu-deps/ (git-ignored), to be carried to it: googletest's source (built there), the
# header-only nlohmann-json and CLI11, and SQLite's header and library. No project code.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=.gpu-deps
rm -rf "$dest"
mkdir -p "$dest/prefix/include" "$dest/prefix/lib" "$dest/prefix/share/cmake"
cp -r /usr/src/googletest "$dest/googletest"
cp -r /usr/include/nlohmann /usr/include/CLI "$dest/prefix/include/"
cp -r /usr/share/cmake/nlohmann_json "$dest/prefix/share/cmake/"
cp /usr/include/sqlite3.h /usr/include/sqlite3ext.h "$dest/prefix/include/"
lib=$(readlink -f /usr/lib/x86_64-linux-gnu/libsqlite3.so.0)
cp "$lib" "$dest/prefix/lib/libsqlite3.so"   # plain copies: links do not travel
cp "$lib" "$dest/prefix/lib/libsqlite3.so.0"
du -sh "$dest"
