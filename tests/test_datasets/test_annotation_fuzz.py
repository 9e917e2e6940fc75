"""Fuzz test of the three annotation readers.

Each case mutates a valid annotation file (seeded: the same cases every
run) at the text level (truncation, a deleted, inserted or replaced byte) or
at the record level (a field deleted or given a value of another type, a
record dropped, duplicated or replaced, the list wrapped in an object). A
reader must then either raise :class:`AnnotationError` or load exactly the
records the file holds: as many, with the same fields. Any other exception,
or a load that drops, adds or changes a record, fails.
"""
import copy
import json
import random
from typing import Any, Callable, List, Optional

import pytest

from amnsfw.datasets import (AnnotationError, CUHKPEDES, ICFGPEDES,
                             PersonSearchDataset, RSTPReid)

#: Cases per reader (three readers in the suite).
CASES = 120
#: Values a mutated field may receive: every JSON type, edge values.
ODD_VALUES = (None, True, 0, -1, 7, 2.5, float('nan'), '', ' ', 'x',
              'ünïcødé 行人', [], ['a'], [None], [''], {}, {'a': 1},
              10**30)


def _valid_records(reader: type) -> List[dict]:
    base = reader.ID_BASE
    splits = reader.FILE_SPLITS or reader.SPLITS
    records = []
    for i in range(6):
        split = splits[i % len(splits)] if i >= 2 else 'train'
        records.append({
            'split': split, 'id': base + i // 2,
            reader.IMAGE_FIELD: f'cam{i}/img_{i}.jpg',
            'captions': [f'A person {i} in a red coat.',
                         'Un piéton à l\u2019écharpe bleue, 行人.'],
            'processed_tokens': [['a', 'person']]})
    return records


def _text_mutation(rng: random.Random, text: str) -> str:
    kind = rng.choice(('truncate', 'delete', 'insert', 'replace'))
    at = rng.randrange(len(text))
    if kind == 'truncate':
        return text[:at]
    if kind == 'delete':
        return text[:at] + text[at + 1:]
    char = rng.choice('{}[]",:0 9a\\\u00e9\x00')
    if kind == 'insert':
        return text[:at] + char + text[at:]
    return text[:at] + char + text[at + 1:]


def _record_mutation(rng: random.Random, records: List[dict]) -> Any:
    records = copy.deepcopy(records)
    index = rng.randrange(len(records))
    kind = rng.choice(('delete_field', 'odd_value', 'odd_value', 'drop',
                       'duplicate', 'odd_record', 'wrap', 'odd_caption'))
    if kind == 'delete_field':
        del records[index][rng.choice(sorted(records[index]))]
    elif kind == 'odd_value':
        records[index][rng.choice(sorted(records[index]))] = rng.choice(
            ODD_VALUES)
    elif kind == 'drop':
        del records[index]
    elif kind == 'duplicate':
        records.insert(index, copy.deepcopy(records[index]))
    elif kind == 'odd_record':
        records[index] = rng.choice(ODD_VALUES)
    elif kind == 'wrap':
        return {'annotations': records}
    else:
        captions = records[index]['captions']
        captions[rng.randrange(len(captions))] = rng.choice(ODD_VALUES)
    return records


def _mutated_file(rng: random.Random, records: List[dict]) -> bytes:
    if rng.random() < 0.4:
        text = json.dumps(records, ensure_ascii=rng.random() < 0.5)
        return _text_mutation(rng, text).encode('utf-8', 'surrogatepass')
    return json.dumps(_record_mutation(rng, records),
                      ensure_ascii=False).encode('utf-8')


def _parsed(content: bytes) -> Optional[Any]:
    """What the file holds as JSON, or None when it is not valid JSON."""
    try:
        return json.loads(content.decode('utf-8'))
    except ValueError:
        return None


def _check_case(reader: PersonSearchDataset, content: bytes) -> str:
    """Load one mutated file; return 'error' or 'loaded', or fail."""
    with open(reader.ann_file, 'wb') as file:
        file.write(content)
    try:
        loaded = reader.load_records()
    except AnnotationError:
        return 'error'
    raw = _parsed(content)
    assert isinstance(raw, list), f'loaded a non-list file: {content[:200]}'
    assert len(loaded) == len(raw), 'record count differs from the file'
    for record, entry in zip(loaded, raw):
        assert (record.split, record.pid, record.img_path,
                list(record.captions)) == (
                    entry['split'], entry['id'],
                    entry[reader.IMAGE_FIELD], entry['captions'])
    return 'loaded'


@pytest.mark.parametrize('reader_type,kwargs', [
    (CUHKPEDES, {}), (ICFGPEDES, dict(val_ids=0)), (RSTPReid, {})])
def test_mutated_files_load_exactly_or_raise_annotation_error(
        tmp_path, reader_type: Callable, kwargs: dict):
    reader = reader_type(data_root=str(tmp_path), lazy_init=True, **kwargs)
    records = _valid_records(reader_type)
    assert _check_case(reader, json.dumps(records).encode()) == 'loaded'
    rng = random.Random(f'fuzz-{reader_type.__name__}')
    outcomes = [_check_case(reader, _mutated_file(rng, records))
                for _ in range(CASES)]
    # The mutations reach both ends: files still valid and broken ones.
    assert outcomes.count('error') > CASES // 4, outcomes.count('error')
    assert outcomes.count('loaded') > 5, outcomes.count('loaded')
