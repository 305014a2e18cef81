#!/bin/sh
# Renders the desktop app's screenshots into docs/screenshots/*.png, offscreen:
#   demo-model.png   the first-run sample offer answered by the real engine and the shipped demo
#                    model (elastic-chat --demo-run), in a throw-away data folder and settings
#   empty.png, conversation.png, error.png   the main states on the simulated engine (no model)
#   lab/scripts/screenshots.sh [BUILD_DIR] [OUT_DIR]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-"$root/build"}
out=${2:-"$root/docs/screenshots"}
cmake --build "$build" --target elastic-chat elastic-chat-lab
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
"$build/lab/elastic-chat-lab" --screenshot "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Settings go to XDG_CONFIG_HOME: the user's own window state and last model stay untouched.
EC_DATA_DIR="$scratch/data" XDG_CONFIG_HOME="$scratch/config" \
    "$build/ui/elastic-chat" --demo-run "$out/demo-model.png"
ls -l "$out"/*.png
