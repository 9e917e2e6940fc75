"""A misspelt component argument names the component and what it accepts."""
import pytest
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import DefaultScope

from amnsfw.cli_errors import as_input_error
from amnsfw.errors import ConfigError
from amnsfw.registry import LOSSES
from amnsfw.unknown_argument import (UnknownArgumentError, accepted_arguments,
                                     closest_first, explain_unknown_argument)


def test_closest_first():
    assert closest_first('tempature', ['eps', 'temperature', 'tau']) == [
        'temperature', 'tau', 'eps']


def test_unknown_component_argument_lists_the_accepted_ones():
    with pytest.raises(TypeError) as info:
        LOSSES.build(dict(type='SDMLoss', learnable_ta=True))
    error = as_input_error(info.value)
    assert isinstance(error, UnknownArgumentError)
    assert isinstance(error, ConfigError)
    message = str(error)
    assert "SDMLoss" in message and "'learnable_ta'" in message
    assert message.split('it accepts: ')[1].startswith('learnable_tau, ')
    assert set(accepted_arguments(LOSSES.get('SDMLoss'))) <= set(
        message.split('it accepts: ')[1].split(', '))


def test_unknown_argument_of_a_component_the_runner_builds():
    """MMEngine's root registry (as the runner uses it) builds too, and the
    arguments that ``**kwargs`` passes on to the base classes count."""
    with DefaultScope.overwrite_default_scope('amnsfw'):
        with pytest.raises(TypeError) as info:
            MMENGINE_DATASETS.build(dict(type='CUHKPEDES', data_root='x',
                                         lazy_init=True, splitt='test'))
    message = str(as_input_error(info.value))
    assert 'CUHKPEDES' in message and "'splitt'" in message
    accepted = message.split('it accepts: ')[1].split(', ')
    assert accepted[0] == 'split'
    assert {'data_root', 'noise_rate', 'lazy_init'} <= set(accepted)


def test_other_type_errors_are_not_explained():
    with pytest.raises(TypeError) as info:
        int(None)
    assert explain_unknown_argument(info.value) is None
    with pytest.raises(TypeError) as info:  # raised outside a registry
        LOSSES.get('SDMLoss')(temprature=1)
    assert explain_unknown_argument(info.value) is None
