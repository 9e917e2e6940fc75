"""Two gloo processes with ``loss_batch='global'`` train as one process does
on the same global batch: every loss head of the core and of the
first-party plugins gives the same loss, the same gradients after DDP's
average and the same weights after a few SGD steps; AMNS's EMA encoder is
the same on both ranks; RDE's clean-label division scores every pair as
one process does. ``'local'`` (the peers' per-rank losses) does not. Also
:func:`gather_rows` itself, with unequal shares."""
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
from amnsfw_rde.hooks import ConsensusDivisionHook
from torch.utils.data import DataLoader

from amnsfw.contracts import PerPairLoss
from amnsfw.datasets.collate import collate_person_search
from amnsfw.datasets.samplers import IdentityBalancedSampler
from amnsfw.engine.cpu_distributed import CPUDistributedDataParallel
from amnsfw.models.retrievers.gather_pairs import gather_rows, share_sizes
from amnsfw.registry import MODELS
from amnsfw.testing import (TINY_IMAGE_SIZE, caption_inputs,
                            tiny_retriever_config)

WORLD_SIZE = 2
#: Pairs per rank; the single process takes WORLD_SIZE times as many.
RANK_BATCH = 4
NUM_INSTANCES = 2  # K: pairs per person in a batch
NUM_IDS = 12
STEPS = 3
#: Terms of the heads that score single pairs (each rank its own pairs).
SINGLE_PAIR_TERMS = ('loss_id', 'loss_mlm', 'mlm_acc')
WORDS = 'a man woman red blue shirt bag with jeans black'
#: A model per setup: every loss head of amnsfw, RDE and AMNS, with a
#: learnt temperature where a head has one (its gradient must not scale
#: with the number of ranks).
SETUPS = dict(
    core=dict(loss_heads=[dict(type='SDMLoss', learnable_tau=True),
                          dict(type='ITCLoss', learnable_tau=True),
                          dict(type='IDLoss'),
                          dict(type='MLMLoss', width=16, depth=1, heads=2)]),
    itc_identity=dict(
        loss_heads=[dict(type='ITCLoss', identity_positives=True)]),
    rde=dict(embedding_heads=dict(tse=dict(type='TokenSelectionEmbedding',
                                           output_dim=24)),
             loss_heads=[dict(type='TALLoss'),
                         dict(type='TALLoss', embedding='tse', variant='trl'),
                         dict(type='TALLoss', variant='infonce')]),
    amns=dict(masker=dict(type='AttentionWeightedMasker', mask_ratio=0.5),
              loss_heads=[dict(type='BSDMLoss', learnable_tau=True),
                          dict(type='WAFLoss', weighting='normalized'),
                          dict(type='IDLoss')]),
)


class PairSet:
    """``NUM_IDS`` people x ``NUM_INSTANCES`` pairs with fixed random
    images, captions, pair weights and MLM masks."""

    def __init__(self, tokenizer) -> None:
        rng = np.random.default_rng(0)
        count = NUM_IDS * NUM_INSTANCES
        self.pids = torch.arange(count) // NUM_INSTANCES
        self.images = torch.from_numpy(
            rng.standard_normal((count, 3, *TINY_IMAGE_SIZE))).float()
        texts = [' '.join(rng.choice(WORDS.split(), 4)) for _ in range(count)]
        self.text = caption_inputs(tokenizer, texts)
        self.weights = torch.from_numpy(rng.integers(0, 2, count)).float()
        # One masked word per caption: every rank has as many masked
        # positions, so MLM's per-rank means average to the global one.
        self.mlm_ids = self.text['text_ids'].clone()
        self.mlm_ids[:, 1] = tokenizer.mask_id
        self.mlm_labels = torch.full_like(self.mlm_ids, -100)
        self.mlm_labels[:, 1] = self.text['text_ids'][:, 1]

    def __len__(self) -> int:
        return len(self.pids)

    def get_data_info(self, index: int) -> dict:
        return dict(pid=int(self.pids[index]))

    def batch(self, rows: list):
        rows = torch.as_tensor(rows)
        inputs = dict(images=self.images[rows],
                      text_ids=self.text['text_ids'][rows],
                      text_mask=self.text['text_mask'][rows],
                      mlm_ids=self.mlm_ids[rows])
        samples = dict(image_pids=self.pids[rows], text_pids=self.pids[rows],
                       image_index=rows, text_index=rows,
                       pair_weights=self.weights[rows],
                       mlm_labels=self.mlm_labels[rows])
        return inputs, samples


def assert_near(got: torch.Tensor, expected: torch.Tensor, what: str) -> None:
    """Equal to 1e-5 of the tensor's scale (at least 1): float32 sums in
    another order differ by about 1e-7 of it."""
    error = (got.double() - expected.double()).abs().max().item()
    scale = max(1.0, expected.double().abs().max().item())
    assert error <= 1e-5 * scale, f'{what}: off by {error:.3g}'


def build(folder: str, setup: str, loss_batch: str = 'global'):
    torch.manual_seed(0)
    model = MODELS.build(tiny_retriever_config(
        folder, captions=[WORDS], max_length=8, num_classes=NUM_IDS,
        loss_batch=loss_batch, **SETUPS[setup]))
    # TSE's BatchNorm normalises by the batch's statistics in training:
    # per rank under DDP on CPUs (SyncBatchNorm needs GPUs), so it is
    # compared with its running statistics.
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm1d):
            module.eval()
    return model


def train(model, pairs: PairSet, batch_size: int) -> dict:
    """``STEPS`` SGD steps on the sampler's batches; the losses of each
    step, the gradients of the first, the final weights."""
    sampler = IdentityBalancedSampler(pairs, NUM_INSTANCES, seed=3)
    order = list(sampler)
    net = model
    if torch_dist.is_initialized():
        net = CPUDistributedDataParallel(model, broadcast_buffers=False,
                                         find_unused_parameters=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    record = dict(losses=[])
    for step in range(STEPS):
        inputs, samples = pairs.batch(
            order[step * batch_size:(step + 1) * batch_size])
        losses = net(inputs, samples, mode='loss')
        total = sum(value for name, value in losses.items() if 'loss' in name)
        optimizer.zero_grad()
        total.backward()
        if step == 0:
            record['grads'] = {name: p.grad.clone()
                               for name, p in model.named_parameters()
                               if p.grad is not None}
        optimizer.step()
        masker = model.masker
        if hasattr(masker, 'update_ema'):
            masker.update_ema(model.image_encoder, 0.5)
        record['losses'].append({name: value.item()
                                 for name, value in losses.items()})
    record['state'] = {k: v.clone() for k, v in model.state_dict().items()}
    return record


def ccd_losses(model, pairs: PairSet, batch_size: int) -> dict:
    """``pair index -> TAL losses`` as RDE's clean-label division scores
    the pairs before an epoch (each rank its share of each batch)."""
    images = (pairs.images * 40 + 128).clamp(0, 255).to(torch.uint8)
    items = [dict(img=images[i], text_ids=pairs.text['text_ids'][i],
                  text_mask=pairs.text['text_mask'][i],
                  pid=int(pairs.pids[i]), index=i) for i in range(len(pairs))]
    runner = SimpleNamespace(train_dataloader=DataLoader(
        items, batch_size=batch_size, collate_fn=collate_person_search))
    heads = [head for head in model.loss_heads
             if isinstance(head, PerPairLoss)]
    return ConsensusDivisionHook()._score(runner, model, heads, seed=0)


def gather_unequal_shares(rank: int) -> dict:
    """Rank 0 holds 3 rows, rank 1 holds 2; the loss weighs the 5 gathered
    rows by 1..5."""
    rows = torch.full((3 - rank, 2), float(rank), requires_grad=True)
    gathered = gather_rows(rows, share_sizes(len(rows), rows.device))
    (gathered * torch.arange(1., 6.).view(-1, 1)).sum().backward()
    return dict(gathered=gathered.detach(), grad=rows.grad)


def train_on_rank(rank: int, folder: str) -> None:
    torch.set_num_threads(1)
    torch_dist.init_process_group('gloo', init_method=f'file://{folder}/init',
                                  rank=rank, world_size=WORLD_SIZE)
    try:
        results = dict(gather=gather_unequal_shares(rank))
        for setup in SETUPS:
            model = build(folder, setup)
            results[setup] = train(model, PairSet(model.tokenizer),
                                   RANK_BATCH)
        model = build(folder, 'rde')
        results['ccd'] = ccd_losses(model, PairSet(model.tokenizer),
                                    RANK_BATCH)
        local = build(folder, 'core', loss_batch='local')
        results['core_local'] = train(local, PairSet(local.tokenizer),
                                      RANK_BATCH)
        torch.save(results, f'{folder}/rank{rank}.pth')
    finally:
        torch_dist.destroy_process_group()


@pytest.fixture(scope='module')
def two_ranks(tmp_path_factory):
    """Both ranks' results and their folder (one spawn for the module)."""
    folder = str(tmp_path_factory.mktemp('two_ranks'))
    mp.spawn(train_on_rank, args=(folder, ), nprocs=WORLD_SIZE)
    return folder, [torch.load(Path(folder) / f'rank{r}.pth')
                    for r in range(WORLD_SIZE)]


def test_gather_rows_with_unequal_shares(two_ranks):
    _, ranks = two_ranks
    expected = torch.tensor([0., 0., 0., 1., 1.]).view(-1, 1).expand(5, 2)
    weights = torch.arange(1., 6.).view(-1, 1).expand(5, 2)
    for rank, result in enumerate(ranks):
        assert torch.equal(result['gather']['gathered'], expected)
        # Both ranks' (equal) losses reach a rank's own rows: twice the
        # weight of each.
        own = weights[:3] if rank == 0 else weights[3:]
        assert torch.equal(result['gather']['grad'], WORLD_SIZE * own)


def test_clean_label_division_scores_pairs_as_one_process(two_ranks):
    folder, ranks = two_ranks
    torch.set_num_threads(1)
    model = build(folder, 'rde')
    single = ccd_losses(model, PairSet(model.tokenizer),
                        WORLD_SIZE * RANK_BATCH)
    assert len(single) == NUM_IDS * NUM_INSTANCES
    for rank in ranks:
        # Every rank scores the whole global batch of its shares.
        assert rank['ccd'].keys() == single.keys()
        for index, losses in single.items():
            assert_near(torch.tensor(rank['ccd'][index]),
                        torch.tensor(losses), f'CCD loss of pair {index}')


def test_two_processes_train_as_one(two_ranks):
    folder, ranks = two_ranks
    torch.set_num_threads(1)
    for setup in SETUPS:
        model = build(folder, setup)
        single = train(model, PairSet(model.tokenizer),
                       WORLD_SIZE * RANK_BATCH)
        for step, expected in enumerate(single['losses']):
            for name, value in expected.items():
                got = [rank[setup]['losses'][step][name] for rank in ranks]
                if name in SINGLE_PAIR_TERMS:  # each rank's mean, averaged
                    got = [sum(got) / len(got)] * len(got)
                for rank_value in got:
                    assert_near(torch.tensor(rank_value), torch.tensor(value),
                                f'{setup}: {name} at step {step}')
        for rank in ranks:
            grads = rank[setup]['grads']
            assert grads.keys() == single['grads'].keys(), setup
            for name, grad in single['grads'].items():
                assert_near(grads[name], grad, f'{setup}: gradient of {name}')
            for name, value in single['state'].items():
                assert_near(rank[setup]['state'][name], value,
                            f'{setup}: {name} after {STEPS} steps')
        for name, value in ranks[0][setup]['state'].items():
            assert torch.equal(ranks[1][setup]['state'][name], value), name
    # The per-rank losses of the peers compare 4 pairs, not 8.
    local = ranks[0]['core_local']['losses'][0]['loss_sdm']
    assert abs(local - ranks[0]['core']['losses'][0]['loss_sdm']) > 1e-3
