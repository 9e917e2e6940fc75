"""``amnsfw serve``: its arguments, its errors, and what it serves."""
from pathlib import Path

import pytest
from fastapi import FastAPI
from PIL import Image

from amnsfw.cli import build_parser, main
from amnsfw.serve import command

REPO = Path(__file__).resolve().parents[2]
CONFIG = str(REPO / 'configs' / 'itc' / 'itc_tinyclip_8e_synthpedes.py')


def test_serve_binds_loopback_by_default():
    args = build_parser().parse_args(
        ['serve', 'tinyclip-synthpedes', '--gallery-dir', 'photos'])
    assert (args.host, args.port, args.checkpoint) == ('127.0.0.1', 8000,
                                                       None)


def test_a_gallery_is_required(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(['serve', 'tinyclip-synthpedes'])
    assert exit_info.value.code == 2
    assert '--gallery-dir' in capsys.readouterr().err


@pytest.mark.parametrize('argv, message', [
    (['--gallery-dir', 'g', '--data-root', 'r'], '--data-root needs'),
    (['--gallery-dir', 'g', '--port', '70000'], '--port must be'),
    (['--gallery-dir', 'g', '--batch-size', '0'], '--batch-size must'),
    (['--gallery-dir', '/no/such/folder'], 'gallery folder not found'),
])
def test_bad_input_exits_2_with_a_message(argv, message, capsys,
                                          monkeypatch):
    monkeypatch.setattr(command.uvicorn, 'run', pytest.fail)
    assert main(['serve', 'tinyclip-synthpedes', *argv]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize('model, message', [
    (['no-such-model'], 'neither a config file nor a model zoo entry'),
    ([CONFIG], 'give its CHECKPOINT too'),
    ([CONFIG, 'no/such.pth'], 'checkpoint file not found'),
    (['tinyclip-synthpedes', 'x.pth'], 'give no CHECKPOINT'),
])
def test_a_wrong_model_exits_2(model, message, capsys, monkeypatch):
    monkeypatch.setattr(command.uvicorn, 'run', pytest.fail)
    assert main(['serve', *model, '--gallery-dir', str(REPO / 'docs')]) == 2
    assert message in capsys.readouterr().err


def test_serve_indexes_the_folder_and_runs_uvicorn(tmp_path, capsys,
                                                   monkeypatch):
    for name in ['a.jpg', 'b.jpg', 'c.png']:
        Image.new('RGB', (32, 96), 'red').save(tmp_path / name)
    served = {}
    monkeypatch.setattr(command.uvicorn, 'run',
                        lambda app, host, port: served.update(
                            app=app, host=host, port=port))
    assert main(['serve', 'tinyclip-synthpedes', '--gallery-dir',
                 str(tmp_path), '--port', '8123']) == 0
    assert isinstance(served['app'], FastAPI)
    assert (served['host'], served['port']) == ('127.0.0.1', 8123)
    err = capsys.readouterr().err
    assert 'indexing 3 images' in err and '3/3' in err  # the progress
    assert 'http://127.0.0.1:8123/' in err
