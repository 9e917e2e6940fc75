"""Split statistics, comparison with the real sizes and the CLI tool."""
import importlib.util
import json
import os

import pytest

from amnsfw.datasets import PersonRecord
from amnsfw.datasets.dataset_info import (KNOWN_SIZES, SplitSize,
                                          compare_with_known,
                                          format_comparison, resolve_type,
                                          split_statistics)

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
    assert _tool().main(['cuhk-pedes', synthpedes_root,
                         '--check-images']) == 0
    out = capsys.readouterr().out
    assert 'CUHKPEDES at' in out
    assert 'DIFFERS from the real CUHKPEDES in 3 of 3 splits' in out
    assert '6 / 11,003' in out and '24 / 68,126' in out
    assert 'missing images: 0 of 24' in out


def test_tool_reports_missing_images(tmp_path, capsys):
    records = [
        dict(id=i, img_path=f'p{i}.jpg', captions=['A man.'], split=split)
        for i, split in enumerate(['train'] * 7 + ['test'])
    ]
    (tmp_path / 'data_captions.json').write_text(json.dumps(records))
    (tmp_path / 'imgs').mkdir()
    (tmp_path / 'imgs' / 'p1.jpg').write_bytes(b'')
    assert _tool().main(['RSTPReid', str(tmp_path), '--check-images']) == 1
    out = capsys.readouterr().out
    assert 'missing images: 7 of 8' in out
    assert os.path.join(str(tmp_path), 'imgs', 'p0.jpg') in out
    assert 'p1.jpg' not in out and '... and 2 more' in out


def test_tool_unknown_data_set(tmp_path):
    with pytest.raises(SystemExit, match="unknown data set 'nope'"):
        _tool().main(['nope', str(tmp_path)])
