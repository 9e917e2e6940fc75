"""Errors that the user fixes by changing an input.

Every amnsfw tool reports an :class:`InputError` (and a missing file) in one
line on stderr with exit status 2 (:func:`amnsfw.cli_errors.run_tool`);
anything else is a bug and keeps its traceback. The classes also derive from
the built-in exception a caller would expect (``ValueError``, ``OSError``,
``KeyError``...), so existing ``except`` clauses keep working.
"""


class InputError(Exception):
    """A bad input: annotation, image, config, checkpoint, argument or work
    dir. The message names the file, record, key or component, what was
    expected and what was received."""


class ConfigError(InputError, ValueError):
    """A config file cannot be read, or asks for something that does not
    exist (a ``_base_`` file, a component argument)."""


class CheckpointError(InputError, ValueError):
    """A checkpoint cannot be read or does not fit the config's model."""
