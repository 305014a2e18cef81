#!/usr/bin/env bash
# package_test.sh BUILD_DIR SOURCE_DIR: builds the packages and installs them the way a user
# would, with a cleared environment (env -i: no LD_LIBRARY_PATH, no QT_* variables):
#   1. the offline .run installer into a temporary prefix: every binary's libraries resolve inside
#      the bundle (packaging/check-bundle.sh); `elastic-cli doctor` runs; `elastic-cli chat` with
#      the bundled demo model answers the held-out questions of resources/samples/demo-scenes.json;
#      the GUI starts under Xvfb, answers the sample offer and saves a screenshot (kept in
#      BUILD_DIR/Testing/package/); the uninstaller removes everything it added;
#   2. the .deb with `apt-get install ./file.deb` when this runs as root with apt (CI does), the
#      same chat check from /usr/bin, and `apt-get purge` leaves none of its files behind.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

if [ ! -f "$src/resources/models/demo/config.json" ]; then
    echo "SKIP: resources/models/demo is missing, so the packages have no model to answer with"
    exit 77
fi

echo "== building the packages"
cmake --build "$build" --target package
run=$(ls "$build"/packages/elastic-chat-*.run)
deb=$(ls "$build"/packages/elastic-chat_*.deb)

home=$work/home
mkdir -p "$home"
clean=(env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8)
prefix=$work/opt/elastic-chat

# Asks the given elastic-cli the short questions of the demo scenes. Each answer must be the one
# the build tree's elastic-cli gives with the source tree's model (greedy: the same model and
# code give the same tokens), so the installed copy runs the demo model as built; whether that
# answer is right is the model's business (test_demo_model) and is only reported here.
ask_demo_questions() {
    local cli=$1 samples=$2
    /usr/bin/python3 -c '
import json, sys
for s in json.load(open(sys.argv[1])):
    if s["kind"] == "short":
        print(s["image"], s["question"], s["answer"], sep="\t")' "$samples/demo-scenes.json" |
        while IFS=$'\t' read -r image question answer; do
            got=$("${clean[@]}" "$cli" chat --threads 1 --image "$samples/$image" --prompt "$question" --max-tokens 16)
            want=$("$build/app/elastic-cli" chat --threads 1 --model "$src/resources/models/demo" \
                --image "$src/resources/samples/$image" --prompt "$question" --max-tokens 16)
            [ -n "$got" ] || fail "$cli: no answer to '$question' on $image"
            [ "$got" = "$want" ] ||
                fail "$cli: '$question' on $image answered '$got'; the build tree answers '$want'"
            echo "ok: $image: $question -> $got (reference answer: $answer)"
        done
}

echo "== offline installer: $(basename "$run")"
"${clean[@]}" sh "$run" --check
"${clean[@]}" sh "$run" --prefix "$prefix"
[ -L "$home/.local/bin/elastic-cli" ] || fail "no launcher link in ~/.local/bin"
grep -q "^Exec=\"$prefix/bin/elastic-chat\"" "$home/.local/share/applications/elastic-chat.desktop" ||
    fail "the desktop entry does not start the installed app"
bash "$src/packaging/check-bundle.sh" "$prefix"
# The lab (benchmarks, simulated engine, trainer, tiny-model writer) is never shipped.
for lab in elastic-lab elastic-chat-lab ec-make-tiny-model ec-demo-world ec-train-demo; do
    [ ! -e "$prefix/bin/$lab" ] || fail "the installer carries the lab binary $lab"
done
"${clean[@]}" "$prefix/bin/elastic-cli" doctor | tee "$work/doctor.txt"
grep -q "resources: *$prefix/share/elastic-chat" "$work/doctor.txt" ||
    fail "the installed elastic-cli does not use the installed resources"
ask_demo_questions "$prefix/bin/elastic-cli" "$prefix/share/elastic-chat/samples"

echo "== installed GUI under Xvfb"
shots=$build/Testing/package
mkdir -p "$shots"
rm -f "$shots/installed-gui.png"
answer=$("${clean[@]}" EC_DATA_DIR="$work/data" xvfb-run -a -s "-screen 0 1280x800x24" \
    "$prefix/bin/elastic-chat" --demo-run "$shots/installed-gui.png")
[ -s "$shots/installed-gui.png" ] || fail "the GUI wrote no screenshot"
echo "GUI answer: $answer"
echo "GUI screenshot: $shots/installed-gui.png"
[ -n "$answer" ] || fail "the GUI answered nothing"

echo "== uninstall"
"${clean[@]}" "$prefix/uninstall.sh"
[ ! -e "$prefix" ] || fail "the uninstaller left $prefix"
left=$(find "$home" \( -type f -o -type l \) -not -path "$home/.local/share/elastic-chat/*" \
    -not -path "$home/.config/*" -not -path "$home/.cache/*")
[ -z "$left" ] || fail "the uninstaller left: $left"

echo "== .deb: $(basename "$deb")"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "skipped: installing a .deb needs root and apt-get"
    exit 0
fi
if dpkg-query -W -f='${Status}' elastic-chat 2>/dev/null | grep -q installed ||
    [ -e /usr/bin/elastic-cli ]; then
    echo "skipped: elastic-chat is already installed on this machine; not touching it"
    exit 0
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb"
dpkg -L elastic-chat >"$work/deb-files"
ask_demo_questions /usr/bin/elastic-cli /usr/share/elastic-chat/samples
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q elastic-chat
while read -r f; do
    if [ -f "$f" ] || [ -L "$f" ]; then fail "apt-get purge left $f"; fi
done <"$work/deb-files"
[ ! -e /usr/share/elastic-chat ] || fail "apt-get purge left /usr/share/elastic-chat"
echo "all package checks passed"
