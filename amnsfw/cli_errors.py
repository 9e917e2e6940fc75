"""How the tools and the ``amnsfw`` command end on a bad input.

:func:`run_tool` runs a tool's ``main``: an input error (:data:`
INPUT_ERRORS`) becomes one line on stderr, ``<prog>: error: <message>``, and
exit status 2, the status argparse gives a bad argument; ``--debug`` or
``AMNSFW_DEBUG=1`` re-raises it with its traceback. A ``SystemExit`` with a
message (the tools' own ``raise SystemExit('<prog>: error: ...') from
error``) counts as one too. Any other exception is a bug and keeps its
traceback.
"""
import os
import sys
from typing import Any, Callable, List, Optional, Sequence

from amnsfw.datasets.worker_progress import describe_dead_worker
from amnsfw.errors import InputError
from amnsfw.unknown_argument import explain_unknown_argument

#: Environment variable that makes every tool show tracebacks.
DEBUG_ENV = 'AMNSFW_DEBUG'
#: Exit status of a bad input (argparse's for a bad argument).
INPUT_ERROR_STATUS = 2
#: Exceptions that a bad input raises: amnsfw's own and a missing file.
INPUT_ERRORS = (InputError, FileNotFoundError, IsADirectoryError,
                NotADirectoryError)


def add_debug_argument(parser) -> None:
    """Add ``--debug`` (show tracebacks of input errors) to an
    ``argparse.ArgumentParser``."""
    parser.add_argument(
        '--debug', action='store_true',
        help='show the traceback of an input error instead of one line '
        f'(also: {DEBUG_ENV}=1)')


def debug_requested(argv: Sequence[str]) -> bool:
    """Whether ``argv`` has ``--debug`` or ``AMNSFW_DEBUG`` is set (and
    not ``0``)."""
    return '--debug' in argv or os.environ.get(DEBUG_ENV, '0') not in ('',
                                                                       '0')


def as_input_error(error: BaseException) -> Optional[BaseException]:
    """The input error that ``error`` is or stands for, else None.

    A ``TypeError`` that a component's constructor raised for an unknown
    argument becomes :class:`~amnsfw.unknown_argument.
    UnknownArgumentError`.
    """
    if isinstance(error, INPUT_ERRORS):
        return error
    if isinstance(error, TypeError):
        return explain_unknown_argument(error)
    return None


def one_line(error: BaseException) -> str:
    """The message of ``error`` without a data loader worker's traceback.

    PyTorch re-raises a worker's exception with the worker's traceback in the
    message; its last line is the original message.
    """
    message = str(error)
    if 'Original Traceback' in message:
        last = message.rstrip().splitlines()[-1]
        message = last.split(': ', 1)[-1]
    return message.strip()


def run_tool(main: Callable[[List[str]], Any],
             argv: Optional[Sequence[str]] = None,
             prog: Optional[str] = None) -> int:
    """Run a tool's ``main(argv)`` and return its exit status.

    Args:
        main (Callable): The tool's entry point; an ``int`` it returns is
            the exit status, anything else means 0.
        argv (Sequence[str], optional): Arguments; None reads
            ``sys.argv[1:]``. Defaults to None.
        prog (str, optional): Name in the error line. Defaults to the
            script's file name.

    Returns:
        int: ``main``'s status, or 2 after an input error.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = prog or os.path.basename(sys.argv[0])
    try:
        result = main(argv)
    except SystemExit as exit_:
        if not isinstance(exit_.code, str):  # argparse, --help, sys.exit(n)
            raise
        if debug_requested(argv) and exit_.__cause__ is not None:
            raise exit_.__cause__ from None
        print(f'{exit_.code} (--debug shows the traceback)', file=sys.stderr)
        return INPUT_ERROR_STATUS
    except Exception as error:  # noqa: BLE001 - re-raised unless known
        known = as_input_error(error)
        if known is None:
            dead = describe_dead_worker(str(error))
            if dead:
                print(f'{prog}: a data loader worker died: {dead}',
                      file=sys.stderr)
            raise
        if debug_requested(argv):
            if known is error:
                raise
            raise known from error
        print(f'{prog}: error: {one_line(known)} (--debug shows the '
              'traceback)', file=sys.stderr)
        return INPUT_ERROR_STATUS
    return result if isinstance(result, int) else 0
