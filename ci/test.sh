#!/usr/bin/env bash
# Runs the test suite on Blender 5.0 (the corpus runs included, when ../shared/corpus is
# there) and on Blender 4.2 LTS, each with the bpy module. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh --with-4.2

echo "== Blender 5.0 =="
.venv/bin/python -m pytest "$@"
echo "== Blender 4.2 LTS =="
.venv-4.2/bin/python -m pytest "$@"
