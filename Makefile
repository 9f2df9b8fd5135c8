# Convenience targets; each delegates to a script so a fresh machine needs only bash.
.PHONY: setup demo test bench
setup:
	bash scripts/setup.sh
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh -q
bench:
	bash scripts/setup.sh && .venv/bin/python benchmarks/bench_classical_memory.py
