"""`safepassage plan ...`: the planning commands, with no Django behind them.

Contract (kept stable for scripts): `--json` output is the only thing on stdout;
progress and diagnostics go to stderr; bad input exits with status 2 and one
line `error: <reason>` on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any


class PlanningInputError(ValueError):
    """Input a planning command cannot use; the message is shown to the user as is.

    Parameters
    ----------
    *args : str
        The message (one string): the reason, printed as ``error: <message>`` with exit status 2.
    """


def emit_json(payload: Any) -> None:
    """Write the single JSON document of a command to stdout.

    Parameters
    ----------
    payload : Any
        JSON-serialisable result; NaN and infinities are refused so the output
        stays standard JSON.
    """
    json.dump(payload, sys.stdout, ensure_ascii=False, allow_nan=False)
    sys.stdout.write("\n")
    sys.stdout.flush()


def progress(message: str) -> None:
    """Report progress of a long run on stderr (never stdout, which belongs to --json).

    Parameters
    ----------
    message : str
        One line for the operator.
    """
    print(message, file=sys.stderr, flush=True)


def parse_lonlat(text: str) -> tuple[float, float]:
    """Parse "LON,LAT" into floats, with a clear error (an argparse ``type``).

    Parameters
    ----------
    text : str
        Longitude and latitude in degrees, separated by a comma.

    Returns
    -------
    tuple of float
        ``(lon, lat)``.

    Raises
    ------
    argparse.ArgumentTypeError
        Not two numbers, or out of range (longitude -180..180, latitude -90..90).
    """
    try:
        lon_text, lat_text = text.split(",")
        lon, lat = float(lon_text), float(lat_text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected LON,LAT (for example 37.15,36.20), got {text!r}") from exc
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise argparse.ArgumentTypeError(f"coordinates out of range: {text!r}")
    return lon, lat


def _registrars() -> list[Callable[[Any], None]]:
    # Each planning capability registers its own sub-command; imported lazily so
    # `safepassage plan route` does not pay for the optimisation imports.
    # A capability whose module is not there yet is left out, not fatal.
    import importlib

    registrars = []
    for name in ("_cli_route", "_cli_evacuation", "_cli_siting"):
        module_name = f"safepassage.planning.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        registrars.append(module.add_parser)
    return registrars


def build_parser(prog: str = "safepassage plan") -> argparse.ArgumentParser:
    """Build the argument parser with one sub-command per planning capability.

    Parameters
    ----------
    prog : str
        Program name shown in usage and error messages.

    Returns
    -------
    argparse.ArgumentParser
        Parser whose parsed namespace carries the sub-command's ``handler``.
    """
    parser = argparse.ArgumentParser(prog=prog, description="Plan routes, evacuation capacity and siting.")
    sub = parser.add_subparsers(dest="plan_command", required=True)
    for register in _registrars():
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "safepassage plan") -> int:
    """Run one planning command; bad input becomes one ``error:`` line, not a traceback.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments after the program name (default: ``sys.argv[1:]``).
    prog : str
        Program name shown in usage and error messages.

    Returns
    -------
    int
        Exit status: the command's own (0 on success), or 2 for input the
        command cannot use (:class:`PlanningInputError`, unreadable file).
    """
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (PlanningInputError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        reason = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) and exc.filename else str(exc)
        print(f"error: {reason}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    # Run the importable module's main, not this __main__ copy: the commands raise
    # safepassage.planning.cli.PlanningInputError, which must be the class caught.
    from safepassage.planning.cli import main as _main

    sys.exit(_main())
