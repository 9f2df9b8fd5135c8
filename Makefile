# Convenience targets; each delegates to a script so a fresh machine needs only bash.
.PHONY: setup demo test bench qgis zip smoke
setup:
	bash scripts/setup.sh
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh -q
bench:
	bash scripts/setup.sh && .venv/bin/python benchmarks/bench_fill_memory.py
# Launch the real QGIS with the plugin linked in and enabled in a scratch profile.
qgis:
	bash scripts/setup.sh && bash scripts/qgis_run.sh
# Build and check dist/landsat_gapfill-<version>.zip for the QGIS plugin repository.
zip:
	python3 scripts/build_zip.py
# Desktop smoke test under Xvfb: starts QGIS, fills the sample, saves a screenshot.
smoke:
	bash scripts/setup.sh && bash scripts/qgis_smoke.sh
