"""RDE's noise index: counts, derangement, determinism and the .npy format."""
import math
import os

import numpy as np
import pytest

from amnsfw.datasets.noisy_correspondence import (NoiseIndexError,
                                                  load_noise_index,
                                                  make_noise_index,
                                                  noisy_mask,
                                                  save_noise_index)

SIZES = [0, 2, 7, 10, 33, 100, 1001]
RATES = [0.0, 0.2, 0.5, 0.8]
IGNORE_SINGLETON = pytest.mark.filterwarnings('ignore:.*left clean')


@pytest.mark.parametrize('num_pairs', SIZES)
@pytest.mark.parametrize('rate', RATES)
@IGNORE_SINGLETON
def test_exact_noisy_count(num_pairs, rate):
    idx = make_noise_index(num_pairs, rate, seed=3)
    assert idx.dtype == np.int64 and idx.shape == (num_pairs, )
    expected = math.floor(rate * num_pairs)
    if expected == 1:  # a single pair cannot move: documented as clean
        expected = 0
    assert noisy_mask(idx).sum() == expected


@pytest.mark.parametrize('num_pairs', SIZES)
@pytest.mark.parametrize('rate', RATES)
@IGNORE_SINGLETON
def test_is_a_permutation_moving_only_noisy_pairs(num_pairs, rate):
    idx = make_noise_index(num_pairs, rate, seed=1)
    captions = np.array([f'caption {i}' for i in range(num_pairs)])
    received = captions[idx]
    # The multiset of captions is preserved.
    assert sorted(received.tolist()) == sorted(captions.tolist())
    mask = noisy_mask(idx)
    # Every noisy pair gets another pair's caption, and that pair is noisy
    # too (captions are shuffled within the subset).
    assert np.all(received[mask] != captions[mask])
    assert np.all(mask[idx[mask]])
    # Clean pairs keep theirs.
    assert np.all(received[~mask] == captions[~mask])


def test_noisy_mask_is_index_inequality():
    mask = noisy_mask(np.array([0, 2, 1, 3]))
    assert mask.dtype == bool
    assert mask.tolist() == [False, True, True, False]


def test_subset_of_two_is_swapped():
    # rate 0.5 of 4 pairs: the two drawn pairs must exchange captions.
    for seed in range(20):
        idx = make_noise_index(4, 0.5, seed=seed)
        moved = np.flatnonzero(noisy_mask(idx))
        assert len(moved) == 2
        assert idx[moved[0]] == moved[1] and idx[moved[1]] == moved[0]


def test_small_subsets_never_keep_a_caption():
    # Subsets of 2..6 pairs often draw fixed points; all must be repaired.
    for seed in range(300):
        idx = make_noise_index(12, 0.5, seed=seed)
        assert noisy_mask(idx).sum() == 6


def test_subset_of_one_is_left_clean_with_a_warning():
    with pytest.warns(UserWarning, match='left clean'):
        idx = make_noise_index(5, 0.2, seed=0)
    assert np.array_equal(idx, np.arange(5))


def test_deterministic_per_seed_and_different_across_seeds():
    first = make_noise_index(500, 0.5, seed=7)
    assert np.array_equal(first, make_noise_index(500, 0.5, seed=7))
    other = make_noise_index(500, 0.5, seed=8)
    assert not np.array_equal(first, other)
    assert not np.array_equal(noisy_mask(first), noisy_mask(other))


def test_subset_is_the_head_of_the_seeded_permutation():
    idx = make_noise_index(200, 0.2, seed=11)
    subset = np.random.default_rng(11).permutation(200)[:40]
    assert set(np.flatnonzero(noisy_mask(idx))) == set(subset.tolist())


@pytest.mark.parametrize('rate', [-0.1, 1.0, 1.5, float('nan'), '0.2', True])
def test_rate_outside_range_raises(rate):
    with pytest.raises(ValueError, match=r'\[0, 1\)'):
        make_noise_index(10, rate, seed=0)


def test_negative_num_pairs_raises():
    with pytest.raises(ValueError, match='num_pairs'):
        make_noise_index(-1, 0.2, seed=0)


def test_save_load_round_trip(tmp_path):
    idx = make_noise_index(57, 0.8, seed=2)
    path = str(tmp_path / 'sub' / 'CUHK-PEDES_0.8.npy')
    save_noise_index(path, idx)
    # RDE's format: a plain int64 .npy, exactly at the path given.
    raw = np.load(path)
    assert raw.dtype == np.int64 and np.array_equal(raw, idx)
    loaded = load_noise_index(path, 57)
    assert loaded.dtype == np.int64 and np.array_equal(loaded, idx)
    # No temporary file is left behind.
    assert os.listdir(tmp_path / 'sub') == ['CUHK-PEDES_0.8.npy']


def test_load_accepts_other_integer_dtypes(tmp_path):
    path = str(tmp_path / 'int32.npy')
    np.save(path, np.array([1, 0, 2], dtype=np.int32))
    loaded = load_noise_index(path, 3)
    assert loaded.dtype == np.int64 and loaded.tolist() == [1, 0, 2]


def test_length_mismatch_names_file_and_both_numbers(tmp_path):
    path = str(tmp_path / 'short.npy')
    save_noise_index(path, make_noise_index(12, 0.5, seed=0))
    with pytest.raises(NoiseIndexError) as info:
        load_noise_index(path, 13)
    message = str(info.value)
    assert path in message and '12' in message and '13' in message


@pytest.mark.parametrize('content, match', [
    (np.array([0.0, 1.0, 2.0]), 'integer'),
    (np.array([True, False, True]), 'integer'),
    (np.array([[0, 1, 2]]), '1-D'),
    (np.array(1), '1-D'),
    (np.array([0, 1, 3]), r'\[0, 3\)'),
    (np.array([0, -1, 2]), r'\[0, 3\)'),
    (np.array([0, 0, 2]), 'permutation'),
])
def test_malformed_array_file_raises(tmp_path, content, match):
    path = str(tmp_path / 'bad.npy')
    np.save(path, content)
    with pytest.raises(NoiseIndexError, match=match) as info:
        load_noise_index(path, 3)
    assert path in str(info.value)


def test_non_npy_file_raises(tmp_path):
    path = tmp_path / 'text.npy'
    path.write_text('0 1 2\n')
    with pytest.raises(NoiseIndexError, match='not a readable .npy') as info:
        load_noise_index(str(path), 3)
    assert str(path) in str(info.value)


def test_pickled_object_array_is_refused(tmp_path):
    path = str(tmp_path / 'object.npy')
    np.save(path, np.array([0, 'a', 2], dtype=object), allow_pickle=True)
    with pytest.raises(NoiseIndexError, match=path):
        load_noise_index(path, 3)


def test_npz_archive_is_refused(tmp_path):
    path = str(tmp_path / 'archive.npz')
    np.savez(path, idx=np.arange(3))
    with pytest.raises(NoiseIndexError, match='npz'):
        load_noise_index(path, 3)


def test_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match='absent.npy'):
        load_noise_index(str(tmp_path / 'absent.npy'), 3)


def test_save_refuses_invalid_index_and_keeps_old_file(tmp_path):
    path = str(tmp_path / 'idx.npy')
    save_noise_index(path, np.array([1, 0, 2]))
    with pytest.raises(NoiseIndexError, match='permutation'):
        save_noise_index(path, np.array([0, 0, 2]))
    assert load_noise_index(path, 3).tolist() == [1, 0, 2]
    assert os.listdir(tmp_path) == ['idx.npy']
