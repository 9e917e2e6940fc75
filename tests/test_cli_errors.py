"""Input errors end a tool in one line and status 2; bugs keep tracebacks."""
import pytest
from amnsfw.cli import main as amnsfw_main
from amnsfw.cli_errors import one_line, run_tool
from amnsfw.datasets import AnnotationError


def _raise(error):
    def main(argv):
        raise error
    return main


def test_input_error_is_one_line_and_status_2(capsys, monkeypatch):
    monkeypatch.delenv('AMNSFW_DEBUG', raising=False)
    error = AnnotationError('ann.json, record 3: missing field \'id\'')
    assert run_tool(_raise(error), [], prog='tool.py') == 2
    err = capsys.readouterr().err
    assert err.startswith("tool.py: error: ann.json, record 3: missing "
                          "field 'id' (--debug shows the traceback)")
    assert len(err.strip().splitlines()) == 1
    assert run_tool(_raise(FileNotFoundError('no such file: x.pth')), [],
                    prog='t') == 2


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.delenv('AMNSFW_DEBUG', raising=False)
    with pytest.raises(AnnotationError):
        run_tool(_raise(AnnotationError('bad')), ['--debug'])
    monkeypatch.setenv('AMNSFW_DEBUG', '1')
    with pytest.raises(AnnotationError):
        run_tool(_raise(AnnotationError('bad')), [])


def test_unexpected_exceptions_keep_their_traceback():
    with pytest.raises(ZeroDivisionError):
        run_tool(_raise(ZeroDivisionError('bug')), [])
    with pytest.raises(TypeError):  # a TypeError that is not a config's
        run_tool(_raise(TypeError("f() got an unexpected keyword argument "
                                  "'x'")), [])


def test_a_tools_own_error_exit_becomes_status_2(capsys):
    def main(argv):
        raise SystemExit('retrieve.py: error: checkpoint file not found')
    assert run_tool(main, []) == 2
    assert 'checkpoint file not found' in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:  # argparse's own exits stay
        run_tool(lambda argv: exec('raise SystemExit(0)'), [])
    assert info.value.code == 0


def test_main_status_passes_through():
    assert run_tool(lambda argv: 1, []) == 1
    assert run_tool(lambda argv: dict(metric=1.0), []) == 0


def test_worker_traceback_is_reduced_to_its_message():
    wrapped = ('Caught ImageLoadError in DataLoader worker process 0.\n'
               'Original Traceback (most recent call last):\n  File "x"\n'
               "amnsfw.ImageLoadError: cannot load image 'a.jpg' of item "
               'index=4, pid=2: file not found\n')
    assert one_line(RuntimeError(wrapped)) == (
        "cannot load image 'a.jpg' of item index=4, pid=2: file not found")


def test_amnsfw_command_unknown_component_kind_is_status_2(capsys):
    with pytest.raises(SystemExit) as info:
        amnsfw_main(['components', 'nope'])
    assert info.value.code == 2
