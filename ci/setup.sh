#!/usr/bin/env bash
# Sets up .venv (Blender 5.0 as a Python module, usd-core, pytest) for Python 3.11, the
# Python of Blender's bpy wheels. With --with-4.2, also .venv-4.2 (Blender 4.2 LTS).
set -euo pipefail
cd "$(dirname "$0")/.."

python=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    python=$candidate; break
  fi
done
[ -n "$python" ] || { echo "setup: Python 3.11 is needed (bpy wheels exist for it only)" >&2; exit 1; }

make_venv() {  # make_venv DIR REQUIREMENTS
  [ -x "$1/bin/python" ] || "$python" -m venv "$1"
  "$1/bin/python" -m pip install --quiet --disable-pip-version-check -r "$2"
}

make_venv .venv ci/requirements.txt
if [ "${1:-}" = "--with-4.2" ]; then
  make_venv .venv-4.2 ci/requirements-4.2.txt
fi
