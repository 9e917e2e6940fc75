"""Split statistics and comparison with the real sizes."""
import pytest

from amnsfw.datasets import PersonRecord
from amnsfw.datasets.dataset_info import (KNOWN_SIZES, SplitSize,
                                          compare_with_known,
                                          format_comparison, resolve_type,
                                          split_statistics)


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
