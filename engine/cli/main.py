"""Argument parsing and the one place where engine errors become messages and exit codes."""
from __future__ import annotations

import argparse
import logging
import signal
import sys

from engine import __version__
from engine.cli import (batch_cmd, evaluate_cmd, fill_cmd, fill_stack_cmd, info_cmd,
                        simulate_cmd, water_cmd)
from engine.cli.exit_codes import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED
from engine.cli.progress import emit_json
from engine.errors import EngineError
from engine.io.interrupt import on_signal
from engine.io.writer import one_job
from engine.memory import keep_tile_buffers

VERBS = (fill_cmd, fill_stack_cmd, simulate_cmd, evaluate_cmd, info_cmd, water_cmd, batch_cmd)


class OneLineParser(argparse.ArgumentParser):
    """Argument mistakes get the same one line and exit code as any other bad input: the usage
    block argparse prints by default buries the one sentence that says what is wrong (the
    message already names the option). Sub-commands inherit this class; --help is unchanged."""

    def error(self, message: str):
        """Print one `error:` line and exit 2, the same contract as any other bad input."""
        print(f"error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, one sub-command per module in `VERBS`; each module registers its own options
    and its `run`."""
    parser = OneLineParser(
        prog="python -m engine",
        description="Fill Landsat 7 SLC-off scanline gaps in whole scenes.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb in VERBS:
        verb.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of `python -m engine`: returns the exit code (0, 1 internal, 2 bad input, 130
    interrupted) instead of raising, and makes sure an interrupted or failed job leaves no output
    behind."""
    args = build_parser().parse_args(argv)
    keep_tile_buffers()   # this process is the engine's own: tune its heap for tile loops
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    # Ctrl-C, SIGTERM (the plugin's cancel) and SIGHUP (a closed terminal or ssh session) all
    # unwind through the writers, which delete their partial files; the handler also tells a
    # GDAL call in progress to stop.
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), on_signal)
    if not args.debug:
        _quiet_libraries()
    try:
        with one_job():  # interrupted or failed after an output was renamed in: removed again
            code = args.run(args)
            _ignore_signals()  # the job is done and its outputs stay: a late signal changes nothing
        return code
    except EngineError as exc:
        _say_error(args, str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted: no output was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        _say_error(args, "out of memory; try a smaller --tile")
        return EXIT_INTERNAL
    except Exception as exc:  # a bug: still one line for the user, the traceback with --debug
        if args.debug:
            raise
        _say_error(args, f"internal error: {type(exc).__name__}: {exc} "
                         "(rerun with --debug for details)")
        return EXIT_INTERNAL


def _ignore_signals() -> None:
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)


def _quiet_libraries() -> None:
    """GDAL prints its own "ERROR 1: ..." lines to stderr and rasterio warns about band files
    without georeferencing (which the engine rebuilds from the MTL or reports in `info`); the
    engine already turns every failure into one sentence, so keep that chatter for --debug."""
    import warnings

    from osgeo import gdal
    from rasterio.errors import NotGeoreferencedWarning

    gdal.PushErrorHandler("CPLQuietErrorHandler")
    warnings.filterwarnings("ignore", category=NotGeoreferencedWarning)
    gdal.SetErrorHandler("CPLQuietErrorHandler")  # also for GDAL's worker threads


def _say_error(args, message: str) -> None:
    """One line for people; with --progress json also a JSON event for the calling program."""
    if getattr(args, "progress", None) == "json":
        emit_json("error", message=message)
    print(f"error: {message}", file=sys.stderr)
