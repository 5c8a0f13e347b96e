# Aura's entry points. `make run` and `make test` are the README's two set-up commands.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# pip's wheel cache makes a second install fast; the stamp files make a second `make` free.
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint format install install-test setup doctor bench clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install torch==2.13.0
	$(PIP) install -e .
	$(PIP) install --no-deps mediapipe==0.10.14
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

setup: install
	$(BIN)/aura setup

## make run: install (once), create the data tree, serve everything on 127.0.0.1:8080.
run: setup
	exec $(BIN)/aura serve

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

clean-venv:
	rm -rf $(VENV)
