import random

import numpy as np
import pytest
import torch

from amnsfw.evaluation.metrics import TextToImageRetrievalMetric
from amnsfw.registry import METRICS

NUM_IMAGES, NUM_TEXTS, KS = 7, 12, (1, 2, 5)


def reference(query, gallery, query_pids, gallery_pids):
    """Rank by numpy lexsort on (score desc, relevant last among ties)."""
    sims = sum(q.numpy() @ gallery[name].numpy().T
               for name, q in query.items()) / len(query)
    relevant = query_pids.numpy()[:, None] == gallery_pids.numpy()[None]
    recall, ap, inp = {k: [] for k in KS}, [], []
    for scores, rel in zip(sims, relevant):
        ranked = rel[np.lexsort((rel, -scores))]
        ranks = np.flatnonzero(ranked) + 1
        for k in KS:
            recall[k].append(ranks[0] <= k)
        ap.append(np.mean(np.arange(1, len(ranks) + 1) / ranks))
        inp.append(len(ranks) / ranks[-1])
    metrics = {f'R{k}': 100 * np.mean(hits) for k, hits in recall.items()}
    metrics.update(mAP=100 * np.mean(ap), mINP=100 * np.mean(inp))
    return metrics


def unit_rows(num, rng):
    """Rows with four entries of +-0.5: unit norm, exact dot products, and
    many ties."""
    feats = torch.zeros(num, 8)
    for row in feats:
        row[torch.tensor(rng.sample(range(8), 4))] = torch.tensor(
            [rng.choice((-.5, .5)) for _ in range(4)])
    return feats


@pytest.fixture
def split():
    rng = random.Random(0)
    image_pids = torch.tensor([0, 0, 1, 1, 1, 2, 3])
    # Every person has a caption, so every image has a relevant caption.
    text_pids = torch.tensor([0, 1, 2, 3] + [
        rng.choice(image_pids.tolist()) for _ in range(NUM_TEXTS - 4)])
    image_feats = {'global': unit_rows(NUM_IMAGES, rng),
                   'tse': unit_rows(NUM_IMAGES, rng)}
    text_feats = {'global': unit_rows(NUM_TEXTS, rng),
                  'tse': unit_rows(NUM_TEXTS, rng)}
    items = [
        dict(modality='image', index=i, pid=int(image_pids[i]),
             feats={name: value[i] for name, value in image_feats.items()})
        for i in range(NUM_IMAGES)
    ] + [
        dict(modality='text', index=i, pid=text_pids[i],
             feats={name: value[i] for name, value in text_feats.items()})
        for i in range(NUM_TEXTS)
    ]
    return items, image_feats, image_pids, text_feats, text_pids


def evaluate(metric, items, batch_size=4):
    for start in range(0, len(items), batch_size):
        metric.process({}, items[start:start + batch_size])
    return metric.compute_metrics(metric.results)


def test_t2i_and_i2t_match_reference(split):
    items, image_feats, image_pids, text_feats, text_pids = split
    metric = METRICS.build(
        dict(type='TextToImageRetrievalMetric', ks=KS, chunk_size=3,
             i2t=True))
    metrics = evaluate(metric, items)
    t2i = reference(text_feats, image_feats, text_pids, image_pids)
    i2t = reference(image_feats, text_feats, image_pids, text_pids)
    assert t2i != pytest.approx(i2t)  # the directions can be told apart
    expected = dict(t2i, **{f'i2t_{name}': v for name, v in i2t.items()})
    assert metrics == pytest.approx(expected)


def test_i2t_is_off_by_default(split):
    metrics = evaluate(TextToImageRetrievalMetric(ks=KS), split[0])
    assert sorted(metrics) == ['R1', 'R2', 'R5', 'mAP', 'mINP']


def test_item_order_does_not_matter(split):
    items = split[0]
    shuffled = random.Random(1).sample(items, len(items))
    assert shuffled != items
    assert (evaluate(TextToImageRetrievalMetric(ks=KS), shuffled) ==
            evaluate(TextToImageRetrievalMetric(ks=KS), items))


def test_process_stores_detached_cpu_copies(split):
    item = dict(split[0][0])
    item['feats'] = {'global': torch.randn(8, requires_grad=True)}
    item['pid'] = torch.tensor(3)
    metric = TextToImageRetrievalMetric()
    metric.process({}, [item])
    stored = metric.results[0]
    assert stored['pid'] == 3 and isinstance(stored['pid'], int)
    assert not stored['feats']['global'].requires_grad
    assert stored['feats']['global'].device.type == 'cpu'


def test_duplicate_index_raises(split):
    items = split[0]
    duplicate = dict(items[NUM_IMAGES + 5])
    with pytest.raises(ValueError, match='text index 5 appears more than'):
        evaluate(TextToImageRetrievalMetric(), items + [duplicate])


def test_missing_index_raises(split):
    items = [item for item in split[0]
             if (item['modality'], item['index']) != ('image', 3)]
    with pytest.raises(ValueError, match=r'image indices .* missing \[3\]'):
        evaluate(TextToImageRetrievalMetric(), items)


def test_unknown_modality_raises(split):
    item = dict(split[0][0], modality='video')
    with pytest.raises(ValueError, match="got 'video'"):
        TextToImageRetrievalMetric().process({}, [item])
