#!/usr/bin/env bash
# collect-licenses.sh OUT_DIR LIBRARY...: copies the Debian copyright file of the package that owns
# each bundled library to OUT_DIR/<package>.copyright, and lists library -> package in
# OUT_DIR/README. A library no package owns (built by hand) is named there so that someone adds
# its licence by hand.
set -euo pipefail
out=$1
shift
mkdir -p "$out"
{
    echo "Third-party libraries bundled with Elastic Chat, and the Debian package each came from."
    echo "Each package's licence is in <package>.copyright next to this file."
    echo
} >"$out/README"
for lib in "$@"; do
    real=$(readlink -f "$lib")
    owner=""
    # dpkg records one spelling of each path; /lib and /usr/lib are the same folder (usrmerge).
    for candidate in "$lib" "$real" "${real#/usr}" "/usr$real"; do
        owner=$(dpkg-query -S "$candidate" 2>/dev/null | head -n1 | cut -d: -f1) && [ -n "$owner" ] && break
    done
    if [ -z "$owner" ]; then
        echo "$(basename "$lib"): not from a Debian package; add its licence by hand" >>"$out/README"
        continue
    fi
    echo "$(basename "$lib"): $owner" >>"$out/README"
    copyright=/usr/share/doc/$owner/copyright
    [ -f "$copyright" ] && cp "$copyright" "$out/$owner.copyright"
done
