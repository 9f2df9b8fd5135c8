"""Worker script for evaluation: `python evaluate_job.py '<json request>'`.

Like `python -m engine evaluate --progress json`, but its `done` event carries the scores, which
the engine CLI only prints as a text table. Evaluation computes MS-SSIM with torch, which the
plugin keeps out of QGIS's process, hence a worker. Imports nothing from QGIS or the plugin:
it runs in the worker Python with the plugin folder on PYTHONPATH. Exit codes and signals follow
`engine.cli.main` (0 ok, 2 bad input, 1 internal, 130 interrupted; SIGTERM cleans up).
"""
import json
import signal
import sys
from dataclasses import asdict

from engine.cli.main import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, _terminate
from engine.cli.progress import ProgressBar, emit_json
from engine.errors import EngineError
from engine.jobs.evaluate import evaluate_file


def main(argv) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        r = json.loads(argv[0])
        scores = evaluate_file(r["clean"], r["methods"], r["seed"], r["png"], r["device"],
                               r["tile"], progress=ProgressBar("evaluate", "json"))
    except EngineError as exc:
        emit_json("error", message=str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except MemoryError:
        emit_json("error", message="out of memory; evaluate a smaller crop of the scene")
        return EXIT_INTERNAL
    except Exception as exc:  # a bug: one line for the user, like the engine CLI
        emit_json("error", message=f"internal error: {type(exc).__name__}: {exc}")
        return EXIT_INTERNAL
    emit_json("done", scores=[asdict(s) for s in scores])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
