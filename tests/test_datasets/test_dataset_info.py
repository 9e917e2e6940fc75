"""Split statistics, comparison with the real sizes and the CLI tool."""
import importlib.util
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from amnsfw.cli_errors import run_tool
from amnsfw.datasets import AnnotationError, PersonRecord
from amnsfw.datasets.dataset_info import (KNOWN_SIZES, SplitSize,
                                          compare_with_known,
                                          format_comparison, resolve_type,
                                          split_statistics)
from amnsfw.errors import InputError

TOOL = os.path.join(
    os.path.dirname(__file__), '..', '..', 'tools', 'dataset_info.py')


def _tool():
    spec = importlib.util.spec_from_file_location('dataset_info_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_split_statistics():
    records = [
        PersonRecord('train', 3, 'a.jpg', ('x', 'y')),
        PersonRecord('test', 9, 'b.jpg', ('z', )),
        PersonRecord('train', 3, 'c.jpg', ('x', )),
        PersonRecord('train', 4, 'd.jpg', ('x', 'y', 'z')),
    ]
    assert split_statistics(records) == {
        'train': SplitSize(2, 3, 6),
        'test': SplitSize(1, 1, 1)
    }


@pytest.mark.parametrize('name,expected', [('cuhk-pedes', 'CUHKPEDES'),
                                           ('ICFG-PEDES', 'ICFGPEDES'),
                                           ('rstpreid', 'RSTPReid'),
                                           ('RSTPReid', 'RSTPReid')])
def test_resolve_type(name, expected):
    assert resolve_type(name) == expected


def test_known_sizes_match_and_differ():
    real = dict(KNOWN_SIZES['RSTPReid'])
    rows = compare_with_known('rstpreid', real)
    assert [r.split for r in rows] == ['train', 'val', 'test']
    assert all(r.ok for r in rows)
    assert 'matches the real RSTPReid' in format_comparison('rstpreid', rows)
    real['test'] = SplitSize(200, 1000, 1999)
    del real['val']
    real['extra'] = SplitSize(1, 1, 1)
    rows = compare_with_known('rstpreid', real)
    assert [(r.split, r.ok) for r in rows] == [('train', True),
                                               ('val', False),
                                               ('test', False),
                                               ('extra', False)]
    text = format_comparison('rstpreid', rows)
    assert 'DIFFERS from the real RSTPReid in 3 of 4' in text
    assert '1,999 / 2,000' in text and '- / 1,000' in text


def test_icfg_known_sizes_have_no_val():
    assert set(KNOWN_SIZES['ICFGPEDES']) == {'train', 'test'}
    assert KNOWN_SIZES['CUHKPEDES']['train'] == SplitSize(11003, 34054, 68126)


def test_tool_on_generated_set(synthpedes_root, capsys):
    assert _tool().main(['cuhk-pedes', synthpedes_root, '--check-images',
                         '--workers', '2']) == 0
    out = capsys.readouterr().out
    assert 'CUHKPEDES at' in out
    assert 'DIFFERS from the real CUHKPEDES in 3 of 3 splits' in out
    assert '6 / 11,003' in out and '24 / 68,126' in out
    assert 'unusable images: 0 of 24' in out
    assert out.rstrip().endswith('usable')


def _rstpreid(root, splits, image_bytes):
    """An RSTPReid folder: one record per split, image ``p<i>.jpg`` with
    ``image_bytes[i]`` (None: no file)."""
    records = [
        dict(id=i, img_path=f'p{i}.jpg', captions=['A man.'], split=split)
        for i, split in enumerate(splits)
    ]
    (root / 'data_captions.json').write_text(json.dumps(records))
    (root / 'imgs').mkdir()
    for i, content in enumerate(image_bytes):
        if content is not None:
            (root / 'imgs' / f'p{i}.jpg').write_bytes(content)


def _jpeg() -> bytes:
    ok, data = cv2.imencode('.jpg', np.full((16, 8, 3), 128, np.uint8))
    assert ok
    return data.tobytes()


def test_tool_decodes_images_and_names_their_records(tmp_path, capsys):
    good = _jpeg()
    _rstpreid(tmp_path, ['train', 'train', 'val', 'test', 'test', 'train'],
              [good, None, b'', b'not an image at all', good[:len(good) // 2],
               good])
    assert _tool().main(['RSTPReid', str(tmp_path), '--check-images',
                         '--workers', '1']) == 1
    out = capsys.readouterr().out
    assert 'unusable images: 4 of 6' in out
    assert 'record 1 (split train, id 1): ' in out and 'file not found' in out
    assert 'record 2 (split val, id 2)' in out and 'empty (0 bytes)' in out
    assert 'record 3 (split test, id 3)' in out
    assert 'not a decodable image' in out
    assert 'record 4 (split test, id 4)' in out  # truncated
    assert 'record 0 ' not in out and 'record 5 ' not in out
    assert out.rstrip().endswith('NOT USABLE')


def test_tool_rejects_an_empty_split_and_reports_json(tmp_path, capsys):
    good = _jpeg()
    _rstpreid(tmp_path, ['train', 'train', 'test'], [good, b'', good])
    assert _tool().main(['rstpreid', str(tmp_path), '--check-images',
                         '--workers', '1', '--json']) == 1
    report = json.loads(capsys.readouterr().out)
    assert report['usable'] is False
    assert report['empty_splits'] == ['val']
    assert report['splits']['train'] == dict(ids=2, images=2, captions=2)
    assert [(p['record'], p['split'], p['pid']) for p in
            report['unusable_images']] == [(1, 'train', 1)]
    assert report['num_images'] == 3 and report['images_checked'] is True


def test_tool_json_of_a_usable_set(synthpedes_root, capsys):
    assert _tool().main(['cuhk-pedes', synthpedes_root, '--json']) == 0
    report = json.loads(capsys.readouterr().out)
    assert report['usable'] is True and report['empty_splits'] == []
    assert report['images_checked'] is False


def test_tool_bad_annotation_is_one_line_and_status_2(tmp_path,
                                                      monkeypatch):
    (tmp_path / 'data_captions.json').write_text('[{"id": 1, "split": ')
    monkeypatch.delenv('AMNSFW_DEBUG', raising=False)
    result = subprocess.run([sys.executable, TOOL, 'rstpreid', str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'is not valid JSON' in lines[0], lines
    assert lines[0].startswith('dataset_info.py: error: ')
    with pytest.raises(AnnotationError, match='is not valid JSON'):
        run_tool(_tool().main, ['rstpreid', str(tmp_path), '--debug'])


def test_tool_unknown_data_set(tmp_path):
    with pytest.raises(InputError, match="unknown data set 'nope'"):
        _tool().main(['nope', str(tmp_path)])
