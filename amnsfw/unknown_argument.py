"""Explain a config's unknown component argument.

MMEngine builds a component with ``obj_cls(**args)`` (``build_from_cfg``),
so a misspelt argument surfaces as Python's bare ``TypeError: X.__init__()
got an unexpected keyword argument 'y'``, which names neither the accepted
arguments nor the config entry. :func:`explain_unknown_argument` finds the
component and its arguments in the traceback's ``build_from_cfg`` frame and
returns an :class:`UnknownArgumentError` that lists what the component
accepts, the closest match first.
"""
import difflib
import inspect
import re
from types import TracebackType
from typing import List, Optional

from amnsfw.errors import ConfigError

_UNEXPECTED = re.compile(r"unexpected keyword argument '(\w+)'")


class UnknownArgumentError(ConfigError, TypeError):
    """A config gives a component an argument it does not take."""


def accepted_arguments(component: type) -> List[str]:
    """Keyword arguments of ``component``'s constructor, following
    ``**kwargs`` into the base classes' constructors it passes them to."""
    names: List[str] = []
    for cls in inspect.getmro(component):
        init = cls.__dict__.get('__init__')
        if init is None:
            continue
        try:
            parameters = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            break
        names += [
            p.name for p in parameters if p.name != 'self' and p.kind in (
                p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            and p.name not in names
        ]
        if not any(p.kind == p.VAR_KEYWORD for p in parameters):
            break
    return names


def closest_first(name: str, candidates: List[str]) -> List[str]:
    """``candidates`` ordered by similarity to ``name``, closest first."""
    return sorted(
        candidates,
        key=lambda c: -difflib.SequenceMatcher(None, name, c).ratio())


def _build_frame_locals(traceback: Optional[TracebackType]) -> Optional[dict]:
    """Locals of the innermost MMEngine ``build_from_cfg`` frame."""
    found = None
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if (code.co_name == 'build_from_cfg'
                and 'mmengine' in code.co_filename):
            found = traceback.tb_frame.f_locals
        traceback = traceback.tb_next
    return found


def explain_unknown_argument(
        error: TypeError) -> Optional[UnknownArgumentError]:
    """The :class:`UnknownArgumentError` that ``error`` stands for.

    Args:
        error (TypeError): An exception raised while building components.

    Returns:
        UnknownArgumentError | None: None unless ``error`` is an unexpected
        keyword argument of a component that MMEngine's registry built.
    """
    match = _UNEXPECTED.search(str(error))
    frame = _build_frame_locals(error.__traceback__)
    if match is None or frame is None:
        return None
    component, args = frame.get('obj_cls'), frame.get('args') or {}
    argument = match.group(1)
    if not inspect.isclass(component) or argument not in args:
        return None
    accepted = closest_first(argument, accepted_arguments(component))
    return UnknownArgumentError(
        f'{component.__name__} ({component.__module__}) has no argument '
        f'{argument!r} (given in its config entry type='
        f'{component.__name__!r}); it accepts: '
        f'{", ".join(accepted) or "no arguments"}')
