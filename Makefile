# Sổ tay Tổ CNS — `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
MO := translations/vi/LC_MESSAGES/messages.mo
PO := translations/vi/LC_MESSAGES/messages.po

.PHONY: install run test test-sqlite test-postgres lint translations extract bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

$(MO): $(PO) | $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

translations: $(MO)

# Extract messages from the code and templates and merge them into the Vietnamese catalog.
extract: install
	$(FLASK) translate extract

run: install translations
	$(FLASK) cdt migrate
	CDT_DEMO=1 $(FLASK) cdt demo
	@echo ""
	@echo "Sổ tay Tổ CNS: http://127.0.0.1:$(PORT)  (tài khoản minh họa: admin, canbo, doan,"
	@echo "totruong, tinhnguyen, tinhnguyen2; mật khẩu demo-cds-2026)"
	CDT_DEMO=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

# The whole suite. Set CDT_TEST_DATABASE_URL=postgresql+psycopg://… to run it on PostgreSQL.
test: install translations
	$(BIN)/pytest -n 2 --dist loadgroup

# Ruff (rules and format), bandit, and the import contracts of pyproject.toml (the layers).
lint: install
	$(BIN)/ruff check cdt_app tests bench
	$(BIN)/ruff format --check cdt_app tests bench
	$(BIN)/bandit -q -c pyproject.toml -r cdt_app -ll
	$(BIN)/lint-imports

# Every benchmark of DESIGN section 9 (PostgreSQL on 127.0.0.1:5432). The province-scale data
# set takes about 15 min per engine to build the first time; BENCH_FACTOR=0.1 for a quick run.
BENCH_FACTOR ?= 1
bench: install translations
	$(BIN)/python bench/password_hash.py
	$(BIN)/python bench/sync_load.py
	$(BIN)/python bench/sync_load.py --pg
	$(BIN)/python bench/coverage.py --engine both --factor $(BENCH_FACTOR)

clean:
	rm -rf $(VENV) instance/cdt.sqlite3* $(MO)
