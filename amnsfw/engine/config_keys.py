"""The top-level config keys that something reads.

MMEngine's runners read a fixed set of top-level keys (``model``,
``train_dataloader``, ``optim_wrapper``, ...); amnsfw's tools read no others.
Any other top-level key is read by nothing: a helper variable left in a
config, or a ``--cfg-options`` path that does not exist (``losses.0.tau``
where the key is ``model.loss_heads.0.tau``), which would silently change
nothing. :func:`unread_keys` finds them.
"""
import difflib
import inspect
from typing import FrozenSet, Iterable, List, Mapping

from mmengine.config import Config
from mmengine.runner import FlexibleRunner, Runner

from amnsfw.errors import ConfigError

#: Top-level keys the runners read from the config besides their
#: constructor arguments (``Runner.from_cfg``, ``Runner.__init__`` through
#: ``self.cfg``, ``FlexibleRunner``, and the registry's ``runner_type``).
EXTRA_RUNNER_KEYS = ('model_wrapper_cfg', 'find_unused_parameters',
                     'compile', 'sync_bn', 'efficient_conv_bn_eval',
                     'activation_checkpointing', 'runner_type')


def _constructor_arguments(cls: type) -> FrozenSet[str]:
    """The named constructor arguments of ``cls``, but ``self`` and
    ``cfg``."""
    parameters = inspect.signature(cls.__init__).parameters
    return frozenset(name for name in parameters
                     if name not in ('self', 'cfg'))


#: Every top-level key MMEngine's ``Runner`` or ``FlexibleRunner`` reads;
#: amnsfw's tools read only keys of this set.
READ_KEYS: FrozenSet[str] = (_constructor_arguments(Runner)
                             | _constructor_arguments(FlexibleRunner)
                             | frozenset(EXTRA_RUNNER_KEYS))


def unread_keys(keys: Iterable[str]) -> List[str]:
    """The keys of ``keys`` that are not in :data:`READ_KEYS`, sorted.

    Args:
        keys (Iterable[str]): Top-level keys of a config.

    Returns:
        list[str]: The keys nothing reads.
    """
    return sorted(set(keys) - READ_KEYS)


def _option_paths(cfg: Config) -> List[str]:
    """The read top-level keys and the second-level keys under them
    (``model.loss_heads``, ``train_cfg.max_epochs``, ...)."""
    paths = sorted(READ_KEYS)
    for key in sorted(READ_KEYS & set(cfg.keys())):
        if isinstance(cfg[key], Mapping):
            paths += [f'{key}.{inner}' for inner in cfg[key]]
    return paths


def check_overrides(cfg: Config, options: Mapping[str, object]) -> None:
    """Refuse ``--cfg-options`` that set a top-level key nothing reads.

    Args:
        cfg (Config): The config the options will be merged into.
        options (Mapping[str, object]): ``--cfg-options``, dotted key to
            value.

    Raises:
        ConfigError: An option's top-level key is not in :data:`READ_KEYS`;
            the message names the option and the closest keys that are read
            (second-level keys among them).
    """
    for option in options:
        top = option.split('.')[0]
        if not unread_keys([top]):
            continue
        paths = _option_paths(cfg)
        names = {path.split('.')[-1]: path for path in reversed(paths)}
        close = [names[name] for name in difflib.get_close_matches(
            top, list(names), n=3, cutoff=0.6)]
        hint = f'; did you mean {", ".join(close)}?' if close else ''
        raise ConfigError(
            f'--cfg-options {option}: nothing reads the top-level key '
            f'{top!r}, so the option would change nothing{hint}')
