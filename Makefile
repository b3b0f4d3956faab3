# The README's commands. Every target installs what it needs from uv.lock first.
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

.PHONY: setup demo test bench lint format

$(UV):
	python3 -m pip install --quiet --user "uv==$(UV_VERSION)"

setup: $(UV)
	$(UV) sync --frozen

demo: setup
	$(UV) run park demo

test: setup
	$(UV) run pytest

bench: setup
	$(UV) run python -m jobs.bench

lint: setup
	$(UV) run ruff check .
	$(UV) run mypy device_io jobs flows

format: setup
	$(UV) run ruff format .
