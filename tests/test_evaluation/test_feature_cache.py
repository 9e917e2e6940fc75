import os

import pytest
import torch

from amnsfw.evaluation.feature_cache import (StaleFeatureCacheError,
                                             feature_fingerprint,
                                             load_feature_cache,
                                             save_feature_cache)


@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    path.write_bytes(b'weights')
    return path


FILES = ['imgs/0001.jpg', 'imgs/0002.jpg', 'imgs/0003.jpg']


def test_round_trip_of_dict_and_tensor_features(tmp_path, checkpoint):
    fingerprint = feature_fingerprint(checkpoint, FILES, pipeline='resize')
    feats = {'global': torch.randn(3, 4), 'tse': torch.randn(3, 2)}
    pids = torch.tensor([5, 5, 9])
    save_feature_cache(tmp_path / 'gallery.pt', feats, pids, fingerprint)
    loaded, loaded_pids = load_feature_cache(
        tmp_path / 'gallery.pt',
        feature_fingerprint(checkpoint, FILES, pipeline='resize'))
    assert loaded.keys() == feats.keys()
    assert all(torch.equal(loaded[name], feats[name]) for name in feats)
    assert torch.equal(loaded_pids, pids)
    # Plain weights-only content: tensors, strings, ints.
    torch.load(tmp_path / 'gallery.pt', weights_only=True)

    save_feature_cache(tmp_path / 'plain.pt', feats['global'], pids,
                       fingerprint)
    plain, _ = load_feature_cache(tmp_path / 'plain.pt', fingerprint)
    assert torch.equal(plain, feats['global'])


@pytest.mark.parametrize('change, key', [
    ('touch', 'checkpoint_mtime_ns'),
    ('grow', 'checkpoint_size'),
    ('files', 'files_sha256'),
    ('order', 'files_sha256'),
    ('pipeline', 'pipeline'),
])
def test_stale_cache_is_refused_naming_the_change(tmp_path, checkpoint, change,
                                                  key):
    fingerprint = feature_fingerprint(checkpoint, FILES, pipeline='resize')
    save_feature_cache(tmp_path / 'gallery.pt', torch.randn(3, 4),
                       torch.arange(3), fingerprint)
    files, pipeline = FILES, 'resize'
    if change == 'touch':
        stat = os.stat(checkpoint)
        os.utime(checkpoint, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    elif change == 'grow':
        # Same mtime, other size: the size alone must tell.
        stat = os.stat(checkpoint)
        checkpoint.write_bytes(b'more weights')
        os.utime(checkpoint, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif change == 'files':
        files = FILES + ['imgs/0004.jpg']
    elif change == 'order':
        files = FILES[::-1]
    else:
        pipeline = 'resize+crop'
    now = feature_fingerprint(checkpoint, files, pipeline=pipeline)
    with pytest.raises(StaleFeatureCacheError,
                       match=rf'gallery.pt is stale \({key}: cached'):
        load_feature_cache(tmp_path / 'gallery.pt', now)


def test_missing_cache_and_bad_arguments(tmp_path, checkpoint):
    fingerprint = feature_fingerprint(checkpoint, FILES)
    with pytest.raises(FileNotFoundError):
        load_feature_cache(tmp_path / 'none.pt', fingerprint)
    with pytest.raises(ValueError, match=r'must be \(3, D\) to match 3'):
        save_feature_cache(tmp_path / 'bad.pt', torch.randn(2, 4),
                           torch.arange(3), fingerprint)
    with pytest.raises(ValueError, match='clash'):
        feature_fingerprint(checkpoint, FILES, checkpoint_size=1)
    with pytest.raises(TypeError, match='must be a str or int'):
        feature_fingerprint(checkpoint, FILES, pipeline=['resize'])
