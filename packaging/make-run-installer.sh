#!/usr/bin/env bash
# make-run-installer.sh TGZ OUT.run VERSION: the self-extracting installer = installer-header.sh
# (checksum, size and version filled in) followed by the bundled tree's .tar.gz.
set -euo pipefail
tgz=$1 out=$2 version=$3
here=$(dirname "$0")
sha=$(sha256sum "$tgz" | cut -d' ' -f1)
# Installed size: the sum of the archive's member sizes, plus 10% for file-system overhead.
kb=$(tar -tvzf "$tgz" | awk '{ s += $3 } END { printf "%d", s / 1024 * 1.1 + 1024 }')
sed -e "s/@VERSION@/$version/g" -e "s/@PAYLOAD_SHA256@/$sha/" -e "s/@INSTALLED_KB@/$kb/" \
    "$here/installer-header.sh" >"$out.tmp"
cat "$tgz" >>"$out.tmp"
chmod +x "$out.tmp"
mv "$out.tmp" "$out"
