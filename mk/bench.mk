# Benchmarks (bench/): B1–B5 against the local emulator, results in docs/benchmarks.md. Not part of `make test`.
BENCH_STAMP := $(VENV)/.installed-bench
BENCH_ARGS ?=

.PHONY: bench bench-report

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(BENCH_STAMP)  ## run every benchmark (B1–B5, ~25 min) and write docs/benchmarks.md; one: BENCH_ARGS=b1
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-report: $(BENCH_STAMP)  ## rebuild docs/benchmarks.md from the last raw results in .bench/
	$(BIN)/python -m bench --report-only
