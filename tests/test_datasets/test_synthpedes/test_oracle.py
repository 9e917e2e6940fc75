import pytest

from amnsfw.datasets.synthpedes.oracle import evaluate_oracle


def _data(num_ids, captions_per_image, keys):
    """One test image per identity; identity ``i`` has colour ``c{i % 2}``."""
    records = [{
        'split': 'test',
        'id': pid,
        'file_path': f'{pid}.jpg'
    } for pid in range(1, num_ids + 1)]
    identities = {
        pid: {
            'colour': f'c{pid % 2}',
            'name': f'n{pid}'
        }
        for pid in range(1, num_ids + 1)
    }
    mentions = {
        rec['file_path']: [keys] * captions_per_image
        for rec in records
    }
    return records, identities, mentions


def test_unique_descriptions_are_perfect():
    result = evaluate_oracle(*_data(10, 2, ['name']))
    assert result.r1 == 100.0 and result.mean_ap == 100.0
    assert result.chance_r1 == pytest.approx(10.0)
    assert (result.num_queries, result.gallery_size) == (20, 10)


def test_empty_descriptions_rank_at_random():
    # Every image ties, so R@1 is chance and AP is the mean of 1 / rank.
    result = evaluate_oracle(*_data(50, 40, []))
    assert result.r1 == pytest.approx(result.chance_r1, abs=1.0)
    expected_ap = 100.0 * sum(1.0 / rank for rank in range(1, 51)) / 50
    assert result.mean_ap == pytest.approx(expected_ap, abs=1.0)


def test_ties_among_matching_identities():
    # Half the identities share each colour: R@1 ~ 1 / 10 over 20 ids.
    result = evaluate_oracle(*_data(20, 100, ['colour']))
    assert result.r1 == pytest.approx(10.0, abs=1.5)
    assert evaluate_oracle(*_data(20, 100, ['colour']), seed=0) == result
    assert evaluate_oracle(*_data(20, 100, ['colour']), seed=1) != result


def test_unknown_split_is_an_error():
    with pytest.raises(ValueError, match='val'):
        evaluate_oracle(*_data(3, 1, []), split='val')
