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
# Two workers (one per core here); a test file runs whole on one worker, so its module
# fixtures (the dump corpora) are made once.
.venv/bin/python -m pytest -q -n auto --dist loadfile "$@"
