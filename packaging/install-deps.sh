#!/usr/bin/env bash
# Installs the Debian packages that Elastic Chat's build, tests and screenshots need.
# Idempotent: installs nothing when everything is present. Works as root (CI) or through sudo.
set -euo pipefail

packages=(
    # build
    cmake ninja-build g++ pkg-config
    # libraries
    qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev
    libtorch-dev libopenblas0-openmp
    libopencv-dev libsqlite3-dev nlohmann-json3-dev libcli11-dev libgtest-dev
    # zlib: the PNG plots of elastic-lab eval
    zlib1g-dev
    # sqlite3 CLI: regenerates the history migration fixture (tests/fixtures/history)
    sqlite3
    # sentencepiece: only the tokenizer-parity oracle and spm_train use it (never linked beside torch)
    libsentencepiece-dev sentencepiece
    # test oracles and headless GUI tests
    python3-torch python3-numpy python3-pil python3-sentencepiece
    xvfb xauth
    # packages: dpkg-shlibdeps for the .deb, patchelf for the offline tree's RPATHs
    dpkg-dev patchelf file
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
    sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
