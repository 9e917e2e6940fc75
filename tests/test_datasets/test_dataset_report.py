"""amnsfw.datasets.dataset_report: is a data set on disk usable?"""
import json

import cv2
import numpy as np
import pytest

from amnsfw.datasets import AnnotationError
from amnsfw.datasets.dataset_report import dataset_report
from amnsfw.errors import InputError


def test_report_on_generated_set(synthpedes_root):
    report = dataset_report('cuhk-pedes', synthpedes_root, check_images=True,
                            workers=2)
    assert report.usable
    out = report.format()
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


def test_report_decodes_images_and_names_their_records(tmp_path):
    good = _jpeg()
    _rstpreid(tmp_path, ['train', 'train', 'val', 'test', 'test', 'train'],
              [good, None, b'', b'not an image at all', good[:len(good) // 2],
               good])
    report = dataset_report('RSTPReid', str(tmp_path), check_images=True)
    assert not report.usable
    out = report.format()
    assert 'unusable images: 4 of 6' in out
    assert 'record 1 (split train, id 1): ' in out and 'file not found' in out
    assert 'record 2 (split val, id 2)' in out and 'empty (0 bytes)' in out
    assert 'record 3 (split test, id 3)' in out
    assert 'not a decodable image' in out
    assert 'record 4 (split test, id 4)' in out  # truncated
    assert 'record 0 ' not in out and 'record 5 ' not in out
    assert out.rstrip().endswith('NOT USABLE')


def test_report_rejects_an_empty_split_and_reports_json(tmp_path):
    good = _jpeg()
    _rstpreid(tmp_path, ['train', 'train', 'test'], [good, b'', good])
    found = dataset_report('rstpreid', str(tmp_path), check_images=True)
    assert "ERROR: split 'val' has no records (RSTPReid needs train, val, " \
        "test)" in found.format()
    report = json.loads(json.dumps(found.to_json()))
    assert report['usable'] is False
    assert report['empty_splits'] == ['val']
    assert report['splits']['train'] == dict(ids=2, images=2, captions=2)
    assert [(p['record'], p['split'], p['pid']) for p in
            report['unusable_images']] == [(1, 'train', 1)]
    assert report['num_images'] == 3 and report['images_checked'] is True


def test_json_of_a_usable_set(synthpedes_root):
    report = dataset_report('cuhk-pedes', synthpedes_root).to_json()
    assert report['usable'] is True and report['empty_splits'] == []
    assert report['images_checked'] is False


def test_bad_annotation_names_the_problem(tmp_path):
    (tmp_path / 'data_captions.json').write_text('[{"id": 1, "split": ')
    with pytest.raises(AnnotationError, match='is not valid JSON'):
        dataset_report('rstpreid', str(tmp_path))


def test_unknown_data_set(tmp_path):
    with pytest.raises(InputError, match="unknown data set 'nope'"):
        dataset_report('nope', str(tmp_path))
