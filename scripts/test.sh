#!/usr/bin/env bash
# Install seedkit with its extras (and the example plugins) into .venv, then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[postgres,mysql,test]'
for plugin in plugins/*/; do
  if [ -f "$plugin/pyproject.toml" ]; then
    .venv/bin/python -m pip install -q -e "$plugin"
  fi
done
.venv/bin/python -m pytest -q "$@"
