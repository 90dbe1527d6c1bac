#!/usr/bin/env bash
# Debian packages the project needs: Jupyter (classic Notebook, nbconvert, kernel test suite), the Python
# reference stack the tests compare against (numpy, scipy, h5py, sklearn, PyTorch for the benchmark), and
# Chromium for the browser test, clang for the native scan kernel (scripts/build-native.js). Skips apt entirely when everything is already installed.
set -euo pipefail
PKGS=(python3-numpy python3-scipy python3-h5py python3-sklearn python3-torch
      jupyter-client jupyter-nbconvert python3-nbclient python3-nbformat jupyter-nbformat jupyter-notebook
      python3-jupyter-kernel-test chromium clang)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "== system packages: all present"
  exit 0
fi
echo "== apt-get install ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
