#!/usr/bin/env bash
# Install seedkit with its extras (and the example plugins) into .venv, then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
# One resolution for seedkit and every plugin (pip 21.3 or later installs them editable);
# no bytecode compiled ahead: the test run compiles what it imports, once (below).
plugins=()
for plugin in plugins/*/; do
  if [ -f "$plugin/pyproject.toml" ]; then
    plugins+=(-e "$plugin")
  fi
done
.venv/bin/python -m pip install -q --no-compile -e '.[postgres,mysql,test]' "${plugins[@]}"
# The tests' files (thousands of small SQLite and DuckDB databases, each committed with an
# fsync) go to memory where /dev/shm has room: on a disk the database servers share, each
# fsync waits. An explicit TMPDIR wins.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] &&
  [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt 4000000 ]; then
  export TMPDIR="/dev/shm/seedkit-tests-$(id -u)"
  mkdir -p "$TMPDIR"
fi
# Let Python keep the bytecode it compiles: the tests start seedkit's CLI in hundreds of
# processes, and each would compile seedkit's modules again.
unset PYTHONDONTWRITEBYTECODE
# Two workers (one per core here); a test file runs whole on one worker, so its module
# fixtures are made once; the dump corpora are made once between the workers. The files
# run in the order tests/conftest.py gives (the longest first), not by their test counts.
.venv/bin/python -m pytest -q -n auto --dist loadfile --no-loadscope-reorder "$@"
