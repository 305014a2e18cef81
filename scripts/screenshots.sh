#!/bin/sh
# Renders the desktop app's main states (empty, a conversation with an image and the cache
# chart, an error) offscreen into docs/screenshots/*.png. Uses the simulated engine and a
# throw-away data folder, so it needs no model and leaves the user's history alone.
#   scripts/screenshots.sh [BUILD_DIR] [OUT_DIR]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
out=${2:-"$root/docs/screenshots"}
cmake --build "$build" --target elastic-chat
QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$build/app/elastic-chat" --screenshot "$out"
ls -l "$out"/*.png
