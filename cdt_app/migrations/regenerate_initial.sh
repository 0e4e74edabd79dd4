#!/usr/bin/env bash
# Regenerate the single initial migration (0001) from the models. Nothing is deployed yet, so
# the schema is one migration; run this after a model change, then run tests/test_migrations.py
# on SQLite and PostgreSQL. Usage (from the repository root): bash cdt_app/migrations/regenerate_initial.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
versions=cdt_app/migrations/versions
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mv "$versions"/*.py "$scratch"/           # no revisions: autogenerate compares with nothing
if ! CDT_DATABASE_URL="sqlite:///$scratch/empty.sqlite3" .venv/bin/flask --app wsgi cdt \
    make-migration "initial schema" >"$scratch/log" 2>&1; then
  cat "$scratch/log"; mv "$scratch"/*.py "$versions"/; exit 1
fi
generated=$(ls "$versions"/*_initial_schema.py)
sed -i -E 's/^Revision ID: .*/Revision ID: 0001/; s/^revision: str = .*/revision: str = "0001"/' "$generated"
mv "$generated" "$versions/0001_initial_schema.py"
echo "Wrote $versions/0001_initial_schema.py ($(grep -c 'op.create_table' "$versions/0001_initial_schema.py") tables)"
