#!/usr/bin/env bash
# Install seedkit into .venv, then plan and apply the market example to SQLite (market.db).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
# Safe to run again: history skips the steps market.db already has (apply --fresh reseeds).
.venv/bin/seedkit plan -m manifests/market/seed.toml --url sqlite:///market.db
.venv/bin/seedkit apply -m manifests/market/seed.toml --url sqlite:///market.db
