"""amnsfw.evaluation.pair_scoring: ranking each caption's own image."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from amnsfw.evaluation import pair_scoring


def test_caption_ranks_in_chunks_equal_the_full_matrix(monkeypatch):
    torch.manual_seed(0)
    texts = {'global': torch.randn(11, 6), 'tse': torch.randn(11, 4)}
    images = {'global': torch.randn(7, 6), 'tse': torch.randn(7, 4)}
    images = {name: torch.cat([value, value[:1]]) for name, value in
              images.items()}  # image 7 duplicates image 0: a tie
    own = torch.tensor([0, 1, 2, 3, 4, 5, 6, 0, 7, 1, 2])
    monkeypatch.setattr(pair_scoring, 'auto_chunk_size', lambda g: 3)
    ranks = pair_scoring.caption_ranks(texts, images, own)
    sims = sum(F.normalize(texts[n], dim=1) @ F.normalize(images[n], dim=1).T
               for n in texts) / 2
    for caption in range(11):
        order = sims[caption].argsort(descending=True).tolist()
        position = order.index(int(own[caption])) + 1
        twin = {0: 7, 7: 0}.get(int(own[caption]))
        if twin is not None:  # the tie counts against the pair
            position = max(position, order.index(twin) + 1)
        assert ranks[caption] == position



def test_collect_embeddings_places_rows_by_pair_index():
    store = {}
    pair_scoring.collect_embeddings(store, torch.tensor([3, 0]),
                                    {'global': torch.tensor([[1.], [2.]])},
                                    num_pairs=4)
    pair_scoring.collect_embeddings(store, torch.tensor([1]),
                                    {'global': torch.tensor([[5.]])}, 4)
    assert store['global'].dtype == torch.float32
    assert store['global'].flatten().tolist() == [2., 5., 0., 1.]


class ByIndex:
    """A stand-in train split: pairs 0..3, pairs 0 and 1 of image 7."""

    def __len__(self):
        return 4

    def get_data_info(self, index):
        return dict(image_index=[7, 7, 2, 5][index])


def test_own_image_ranks_share_the_image_of_pairs_that_share_it():
    images = torch.eye(4)
    images[1] = images[0]  # pairs 0 and 1 have the same image
    texts = torch.stack([images[0], images[2], images[2], images[3]])
    ranks = pair_scoring.own_image_ranks(ByIndex(), {'global': images},
                                         {'global': texts})
    # Pair 1's caption matches image 2 best and is orthogonal to both
    # others, its own among them: the tie counts against it, rank 3 of 3.
    assert ranks.tolist() == [1, 3, 1, 1]
    assert ranks.dtype == np.int64


class _Head(torch.nn.Module):
    """A loss head whose per-pair loss is a fixed multiple of the batch."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def per_pair_loss(self, features: dict) -> torch.Tensor:
        return features['x'] * self.scale


def test_pair_loss_heads_keep_only_heads_with_per_pair_loss_in_order():
    model = torch.nn.Module()
    first, second = _Head(1.0), _Head(2.0)
    model.loss_heads = torch.nn.ModuleList(
        [first, torch.nn.Identity(), second])
    assert pair_scoring.pair_loss_heads(model) == [first, second]


def test_per_pair_losses_are_one_float32_column_per_head():
    features = {'x': torch.tensor([1., 2., 3.], dtype=torch.float64)}
    losses = pair_scoring.per_pair_losses([_Head(1.0), _Head(10.0)],
                                          features)
    assert losses.dtype == torch.float32
    assert losses.tolist() == [[1., 10.], [2., 20.], [3., 30.]]


def test_pair_loss_table_places_chunks_by_pair_index():
    table = pair_scoring.pair_loss_table(
        [([2, 0], [[3., 30.], [1., 10.]]), ([1], [[2., 20.]])], 3, 2)
    assert table.dtype == np.float64
    assert table.tolist() == [[1., 10.], [2., 20.], [3., 30.]]


def test_pair_loss_table_refuses_unseen_pairs_naming_them():
    with pytest.raises(RuntimeError,
                       match=r'^Hook scored 2 of 4 training pairs; unseen '
                       r'pairs, e\.g\. \[1, 3\] \(hint\)$'):
        pair_scoring.pair_loss_table([([0, 2], [[1.], [2.]])], 4, 1,
                                     who='Hook ', hint=' (hint)')
