#!/bin/sh
# Elastic Chat @VERSION@ offline installer: a shell script followed by a .tar.gz of the bundled
# tree (every library but glibc's and the GPU driver's). Needs only sh, tar, gzip and coreutils.
#   sh elastic-chat-@VERSION@-linux-x86_64.run [--prefix DIR] [--no-links] [--no-desktop]
#   --prefix DIR   where to install (default ~/.local/opt/elastic-chat); an earlier Elastic Chat
#                  install there is replaced, anything else is refused
#   --no-links     do not put elastic-chat and elastic-cli into ~/.local/bin
#   --no-desktop   do not add the menu entry
#   --check        verify the payload's checksum and exit
# Conversations live in ~/.local/share/elastic-chat and are never touched by (un)installing.
set -eu

VERSION='@VERSION@'
PAYLOAD_SHA256='@PAYLOAD_SHA256@'
INSTALLED_KB='@INSTALLED_KB@'

fail() {
    echo "elastic-chat installer: $*" >&2
    exit 1
}

[ -n "${HOME:-}" ] || fail "HOME is not set; run the installer as the user who will use the app"
prefix="$HOME/.local/opt/elastic-chat"
links=1
desktop=1
check_only=0
while [ $# -gt 0 ]; do
    case "$1" in
    --prefix) [ $# -ge 2 ] || fail "--prefix needs a folder"; prefix=$2; shift ;;
    --prefix=*) prefix=${1#--prefix=} ;;
    --no-links) links=0 ;;
    --no-desktop) desktop=0 ;;
    --check) check_only=1 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown option '$1' (see --help)" ;;
    esac
    shift
done

payload_line=$(awk '/^__ELASTIC_CHAT_PAYLOAD__$/ { print NR + 1; exit }' "$0")
[ -n "$payload_line" ] || fail "this file has no payload; download the installer again"
actual=$(tail -n +"$payload_line" "$0" | sha256sum | cut -d' ' -f1)
[ "$actual" = "$PAYLOAD_SHA256" ] ||
    fail "the installer is damaged (checksum mismatch); download it again"
if [ "$check_only" = 1 ]; then
    echo "elastic-chat installer: payload OK ($VERSION)"
    exit 0
fi

case "$prefix" in
/*) ;;
"") fail "--prefix is empty" ;;
*) prefix="$(pwd)/$prefix" ;;
esac
marker="$prefix/share/elastic-chat/install-manifest.txt"
if [ -e "$prefix" ] && [ ! -f "$marker" ] && [ -n "$(ls -A "$prefix" 2>/dev/null)" ]; then
    fail "$prefix exists and is not an Elastic Chat install; choose an empty folder with --prefix"
fi

parent=$(dirname "$prefix")
mkdir -p "$parent" || fail "cannot create $parent; choose a writable folder with --prefix"
free_kb=$(df -Pk "$parent" | awk 'NR == 2 { print $4 }')
if [ -n "$free_kb" ] && [ "$free_kb" -lt "$INSTALLED_KB" ]; then
    fail "$parent has $((free_kb / 1024)) MB free and Elastic Chat needs $((INSTALLED_KB / 1024)) MB; free some space or choose another --prefix"
fi

staging="$prefix.partial.$$"
trap 'rm -rf "$staging"' EXIT INT TERM
mkdir -p "$staging"
echo "Installing Elastic Chat $VERSION into $prefix ..."
tail -n +"$payload_line" "$0" | tar -xzf - -C "$staging" --strip-components=1 ||
    fail "unpacking failed (disk full or not writable?); nothing was changed in $prefix"

# Replace an earlier install only now that the new tree is complete.
if [ -f "$marker" ]; then
    rm -rf "$prefix"
fi
mv "$staging" "$prefix"
trap - EXIT INT TERM

data_home=${XDG_DATA_HOME:-$HOME/.local/share}
bin_home=$HOME/.local/bin
added=""
if [ "$links" = 1 ]; then
    mkdir -p "$bin_home"
    for exe in elastic-chat elastic-cli; do
        link="$bin_home/$exe"
        if [ -e "$link" ] && [ ! -L "$link" ]; then
            echo "  not linking $link: a file of that name exists"
            continue
        fi
        ln -sfn "$prefix/bin/$exe" "$link"
        added="$added $link"
    done
fi
if [ "$desktop" = 1 ]; then
    mkdir -p "$data_home/applications"
    entry="$data_home/applications/elastic-chat.desktop"
    sed -e "s|^Exec=.*|Exec=\"$prefix/bin/elastic-chat\"|" \
        -e "s|^Icon=.*|Icon=$prefix/share/icons/hicolor/scalable/apps/elastic-chat.svg|" \
        "$prefix/share/applications/elastic-chat.desktop" >"$entry"
    added="$added $entry"
fi

# The uninstaller removes the prefix and exactly the links and menu entry made here.
(cd "$prefix" && find . -type f -o -type l | sort) >"$marker"
cat >"$prefix/uninstall.sh" <<UNINSTALL
#!/bin/sh
# Removes Elastic Chat from $prefix. Conversations in $data_home/elastic-chat are kept.
set -eu
for f in$added; do
    case "\$f" in
    *.desktop) grep -qs "$prefix/bin/elastic-chat" "\$f" && rm -f "\$f" ;;
    *) [ "\$(readlink "\$f" 2>/dev/null)" = "$prefix/bin/\$(basename "\$f")" ] && rm -f "\$f" ;;
    esac
done
rm -rf "$prefix"
echo "Elastic Chat removed from $prefix (conversations in $data_home/elastic-chat are kept)."
UNINSTALL
chmod +x "$prefix/uninstall.sh"

echo "Done. Start it with: $prefix/bin/elastic-chat   (or elastic-chat, if ~/.local/bin is on PATH)"
echo "Command line: $prefix/bin/elastic-cli --help    Uninstall: $prefix/uninstall.sh"
exit 0
__ELASTIC_CHAT_PAYLOAD__
