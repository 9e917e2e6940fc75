"""amnsfw.analysis.scalars_log: reading MMEngine's scalars.json."""
import re

import pytest

from amnsfw.analysis.scalars_log import (epoch_scalars, find_scalars,
                                         read_run, read_scalars, run_label,
                                         scalars_files, train_iter,
                                         val_epoch)
from .log_fixtures import two_runs, write_log


def test_find_scalars_takes_the_newest_timestamp_folder(tmp_path):
    clean, _ = two_runs(tmp_path)
    newest = clean / '20260102_000000' / 'vis_data' / 'scalars.json'
    assert find_scalars(str(clean)) == str(newest)
    assert find_scalars(str(clean / '20260102_000000')) == str(newest)
    assert find_scalars(str(newest)) == str(newest)
    assert scalars_files(str(clean)) == [
        str(clean / '20260101_000000' / 'vis_data' / 'scalars.json'),
        str(newest)]


def test_find_scalars_names_what_is_missing(tmp_path):
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match=re.escape(
            f"{tmp_path / 'empty'} holds no */vis_data/scalars.json")):
        find_scalars(str(tmp_path / 'empty'))
    with pytest.raises(FileNotFoundError,
                       match='no such log file or work dir'):
        find_scalars(str(tmp_path / 'nowhere'))


def test_run_label_is_the_work_dirs_name(tmp_path):
    clean, _ = two_runs(tmp_path)
    assert run_label(find_scalars(str(clean))) == 'itc_noise0'
    assert run_label(str(tmp_path / 'logs' / 'scalars.json')) == 'logs'


def test_read_run_splits_training_and_validation_lines(tmp_path):
    scalars = write_log(tmp_path / 'run', '20260103_000000', [1.0, 2.0])
    run = read_run(str(scalars), 'run')
    assert (run.label, run.path) == ('run', str(scalars))
    assert len(run.train) == 4 and len(run.val) == 2
    assert [val_epoch(entry) for entry in run.val] == [1, 2]
    assert [train_iter(entry) for entry in run.train] == [2, 4, 6, 8]


def test_unfinished_last_line_is_skipped_with_a_warning(tmp_path, capsys):
    scalars = write_log(tmp_path / 'live', '20260103_000000', [1.0, 2.0])
    with scalars.open('a') as file:
        file.write('{"lr": 0.001, "loss": 0.')
    assert len(read_scalars(str(scalars))) == 6
    assert 'unfinished last line' in capsys.readouterr().err


def test_a_bad_line_before_the_last_or_an_empty_log_is_an_error(tmp_path):
    scalars = tmp_path / 'scalars.json'
    scalars.write_text('{"loss": 1\n{"loss": 2}\n')
    with pytest.raises(ValueError, match=':1: not a JSON object'):
        read_scalars(str(scalars))
    scalars.write_text('[1]\n')
    with pytest.raises(ValueError, match=':1: expected a JSON object, got '
                       'list'):
        read_scalars(str(scalars))
    scalars.write_text('\n')
    with pytest.raises(ValueError, match='has no logged scalars yet'):
        read_run(str(scalars), 'x')


def test_epoch_scalars_count_each_epoch_of_a_resumed_run_once(tmp_path):
    work_dir = tmp_path / 'run'
    write_log(work_dir, '20260101_000000', [1.0, 2.0])
    write_log(work_dir, '20260102_000000', [20.0, 30.0, 40.0])  # resumed
    epochs = epoch_scalars(str(work_dir))
    assert [entry['step'] for entry in epochs] == [1, 2, 3]
    assert [entry['retrieval/R1'] for entry in epochs] == [20.0, 30.0, 40.0]
    assert epoch_scalars(str(work_dir), key='absent') == []
