"""Noisy correspondence injection: RDE's protocol and index-file format.

METHOD.md section 3 (Qin et al., "Noisy-Correspondence Learning for
Text-to-Image Person Re-identification", CVPR 2024). At rate ``r`` over
``N`` training pairs, a seeded permutation of ``0..N-1`` is drawn, its first
``floor(r*N)`` indices form the noisy subset, and the captions are shuffled
among that subset. The result is an int64 array ``idx`` of length ``N``:
pair ``i`` receives caption ``idx[i]`` (``idx[i] == i`` for clean pairs).
RDE publishes these arrays as ``noiseindex/<Dataset>_<rate>.npy``; we read
and write the same format so runs are comparable.

One difference from RDE's code: RDE shuffles the subset freely, so a few
pairs of the subset may draw their own caption and stay clean. Here the
subset is *deranged*: every pair of the subset receives another pair's
caption, so exactly ``floor(r*N)`` pairs are noisy. A subset of a single
pair cannot be deranged; it is left clean (with a warning).

Pure numpy: the flags are for evaluation of noise detection only.
"""
import math
import numbers
import os
import os.path as osp
import tempfile
import warnings

import numpy as np


class NoiseIndexError(ValueError):
    """A noise index (array or ``.npy`` file) is malformed."""


def _check_num_pairs(num_pairs: int) -> int:
    if (not isinstance(num_pairs, numbers.Integral)
            or isinstance(num_pairs, bool) or num_pairs < 0):
        raise ValueError(
            f'num_pairs must be a non-negative integer, got {num_pairs!r}')
    return int(num_pairs)


def num_noisy(num_pairs: int, rate: float) -> int:
    """``floor(rate * num_pairs)``: the size of the noisy subset.

    Args:
        num_pairs (int): Number of training pairs ``N``.
        rate (float): Noise rate, in ``[0, 1)``.

    Returns:
        int: The number of pairs drawn into the noisy subset.
    """
    num_pairs = _check_num_pairs(num_pairs)
    if (not isinstance(rate, numbers.Real) or isinstance(rate, bool)
            or not 0 <= rate < 1):
        raise ValueError(f'noise rate must be a number in [0, 1), got '
                         f'{rate!r}')
    return math.floor(rate * num_pairs)


def make_noise_index(num_pairs: int, rate: float, seed: int) -> np.ndarray:
    """Draw RDE's noise index: which caption each pair receives.

    Args:
        num_pairs (int): Number of training pairs ``N``.
        rate (float): Noise rate, in ``[0, 1)``.
        seed (int): Seed of ``np.random.default_rng``.

    Returns:
        np.ndarray: int64, length ``N``; pair ``i`` gets caption ``idx[i]``.
        Exactly ``floor(rate*N)`` entries differ from ``i``, except that a
        subset of one pair is left clean (with a warning).
    """
    count = num_noisy(num_pairs, rate)
    rng = np.random.default_rng(seed)
    subset = rng.permutation(num_pairs)[:count]
    idx = np.arange(num_pairs, dtype=np.int64)
    if count == 1:
        warnings.warn(
            f'noise rate {rate} over {num_pairs} pairs gives a noisy subset '
            'of one pair, which cannot receive another pair\'s caption; it '
            'is left clean (0 noisy pairs)')
        return idx
    if count > 1:
        idx[subset] = subset[_derangement(count, rng)]
    return idx


def _derangement(size: int, rng: np.random.Generator) -> np.ndarray:
    """A permutation of ``0..size-1`` without fixed points (``size >= 2``).

    A random permutation is repaired in one pass: swapping a fixed point
    with any other position leaves both positions not fixed, and touches no
    other position, so no fixed point survives.
    """
    perm = rng.permutation(size)
    for i in np.flatnonzero(perm == np.arange(size)):
        if perm[i] != i:  # already moved by an earlier swap
            continue
        j = int(rng.integers(size - 1))
        j += j >= i  # uniform over the other positions
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def noisy_mask(idx: np.ndarray) -> np.ndarray:
    """Which pairs received another pair's caption.

    Args:
        idx (np.ndarray): A noise index of length ``N``.

    Returns:
        np.ndarray: bool, length ``N``: ``idx != arange(N)``.
    """
    idx = np.asarray(idx)
    return idx != np.arange(len(idx))


def check_noise_index(idx: np.ndarray, num_pairs: int,
                      source: str = 'noise index') -> np.ndarray:
    """Validate a noise index and return it as int64.

    Args:
        idx (np.ndarray): The candidate array.
        num_pairs (int): The expected length ``N``.
        source (str): What to name in errors (e.g. the file). Defaults to
            ``'noise index'``.

    Returns:
        np.ndarray: The index as a contiguous int64 array.

    Raises:
        NoiseIndexError: Not 1-D, not integer, wrong length, out of
            ``[0, N)``, or not a permutation.
    """
    num_pairs = _check_num_pairs(num_pairs)
    idx = np.asarray(idx)
    if idx.ndim != 1:
        raise NoiseIndexError(f'{source}: expected a 1-D array, got shape '
                              f'{idx.shape}')
    if not np.issubdtype(idx.dtype, np.integer):
        raise NoiseIndexError(f'{source}: expected an integer array, got '
                              f'dtype {idx.dtype}')
    if len(idx) != num_pairs:
        raise NoiseIndexError(
            f'{source}: has {len(idx)} entries but the data set has '
            f'{num_pairs} training pairs (was it made for another data set '
            'or split?)')
    if num_pairs and (idx.min() < 0 or idx.max() >= num_pairs):
        raise NoiseIndexError(
            f'{source}: entries must lie in [0, {num_pairs}), got range '
            f'[{idx.min()}, {idx.max()}]')
    if len(np.unique(idx)) != num_pairs:
        raise NoiseIndexError(
            f'{source}: not a permutation ({num_pairs - len(np.unique(idx))}'
            ' duplicated entries); captions must be shuffled, not copied')
    return np.ascontiguousarray(idx, dtype=np.int64)


def save_noise_index(path: str, idx: np.ndarray) -> None:
    """Write ``idx`` as RDE does (an int64 ``.npy``), atomically.

    Args:
        path (str): Destination file, written exactly there (no suffix is
            added); missing parent folders are created.
        idx (np.ndarray): A valid noise index.
    """
    idx = check_noise_index(idx, len(np.asarray(idx)), source=str(path))
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, tmp_path = tempfile.mkstemp(
        dir=folder, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(handle, 'wb') as file:
            np.save(file, idx, allow_pickle=False)
        os.replace(tmp_path, path)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise


def load_noise_index(path: str, num_pairs: int) -> np.ndarray:
    """Read an RDE noise-index file and check it against the data set.

    Args:
        path (str): A ``.npy`` file holding an integer array of length ``N``.
        num_pairs (int): Number of training pairs ``N`` of the data set.

    Returns:
        np.ndarray: int64, length ``N``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        NoiseIndexError: The file is not a ``.npy`` array, or its array is
            not a valid index for ``num_pairs`` pairs.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'noise index file not found: {path}')
    try:
        idx = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise NoiseIndexError(
            f'{path}: not a readable .npy array ({error})') from error
    if not isinstance(idx, np.ndarray):  # an .npz archive
        idx.close()
        raise NoiseIndexError(f'{path}: expected a single .npy array, got '
                              'an .npz archive')
    return check_noise_index(idx, num_pairs, source=str(path))
