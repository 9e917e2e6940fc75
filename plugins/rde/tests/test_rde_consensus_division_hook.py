"""ConsensusDivisionHook: RDE's clean/noisy division of the training pairs."""
import logging
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from torch import nn
from torch.utils.data import DataLoader, Dataset

from amnsfw_rde.hooks import ConsensusDivisionHook
from amnsfw_rde.hooks.consensus_division_hook import (clean_labels,
                                                      consensus_weights,
                                                      label_quality)


def bimodal(noisy, rng, clean_mean=0.2, noisy_mean=0.8, spread=0.05):
    return np.where(noisy, rng.normal(noisy_mean, spread, len(noisy)),
                    rng.normal(clean_mean, spread, len(noisy)))


def test_recovers_a_known_noisy_half():
    rng = np.random.default_rng(0)
    noisy = rng.permutation(2000) < 1000
    # Each head sees the noise through its own overlapping loss distribution.
    heads = [bimodal(noisy, rng, spread=0.15) * 3 + 1 for _ in range(2)]
    weights, labels = consensus_weights(heads, seed=0)
    quality = label_quality(weights == 1, noisy)
    assert quality['precision'] > 0.9 and quality['recall'] > 0.9
    for clean in labels:
        head = label_quality(clean, noisy)
        assert head['precision'] > 0.9 and head['recall'] > 0.9
    # Min-max normalisation: any scale or shift of the losses, same labels.
    scaled, _ = consensus_weights([h * 50 - 7 for h in heads], seed=0)
    assert np.array_equal(scaled, weights)


def test_consensus_rule():
    rng = np.random.default_rng(1)
    noisy = rng.permutation(1000) < 300
    first = bimodal(noisy, rng)
    flipped = np.arange(20)  # the second head calls these the other way
    second_noisy = noisy.copy()
    second_noisy[flipped] = ~second_noisy[flipped]
    second = bimodal(second_noisy, rng)
    agree = np.setdiff1d(np.arange(1000), flipped)
    results = {rule: consensus_weights([first, second], disagreement=rule,
                                       seed=3)[0]
               for rule in ('keep', 'drop', 'random')}
    for weights in results.values():
        assert np.array_equal(weights[agree], (~noisy[agree]).astype(float))
    assert (results['keep'][flipped] == 1).all()
    assert (results['drop'][flipped] == 0).all()
    coin = results['random'][flipped]
    assert 0 < coin.sum() < len(flipped)  # a fair coin, not a rule
    again = consensus_weights([first, second], disagreement='random',
                              seed=3)[0]
    assert np.array_equal(again, results['random'])


def test_fallback_and_degenerate_losses():
    rng = np.random.default_rng(2)
    losses = rng.uniform(0, 1, 1000)
    # Threshold 0: the mixture calls every pair clean, so RDE's fallback
    # calls floor(1000 / 100) + 1 pairs noisy.
    assert (~clean_labels(losses, threshold=0.0)).sum() == 11
    assert clean_labels(losses, threshold=0.0,
                        fallback_noisy_fraction=None).all()
    assert clean_labels(np.full(10, 0.3)).all()
    with pytest.raises(ValueError, match='not finite'):
        clean_labels(np.array([0.1, np.nan, 0.3]))


def test_label_quality():
    clean = np.array([True, True, False, False])
    noisy = np.array([False, True, True, False])
    assert label_quality(clean, noisy) == dict(precision=0.5, recall=0.5,
                                               clean_fraction=0.5)


# A stand-in retriever: each pair's loss is a number the data set holds, so
# a hook that scored pairs out of order would mislabel them.


class SignalDataset(Dataset):

    def __init__(self, signal, noisy, index=None):
        self.signal = torch.as_tensor(signal, dtype=torch.float32)
        self.noisy_pairs = noisy
        self.index = list(range(len(signal))) if index is None else index

    def __len__(self):
        return len(self.signal)

    def __getitem__(self, i):
        return dict(signal=self.signal[i], index=self.index[i])


def collate(items):
    return dict(
        inputs=dict(signal=torch.stack([item['signal'] for item in items])),
        data_samples=dict(
            image_index=torch.tensor([item['index'] for item in items])))


class SignalHead(nn.Module):

    def __init__(self, column):
        super().__init__()
        self.column = column
        self.term = f'loss_signal_{column}'

    def per_pair_loss(self, features):
        return features['signal'][:, self.column]


class SignalModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.loss_heads = nn.ModuleList(
            [SignalHead(0), SignalHead(1), nn.Identity()])
        self.scored, self.modes = [], []

    def forward(self, inputs, data_samples=None, mode='tensor'):
        raise AssertionError('the hook calls encode_pairs, not forward')

    def encode_pairs(self, inputs, data_samples):
        self.modes.append(self.training)
        self.scored += data_samples['image_index'].tolist()
        return dict(data_samples, signal=inputs['signal'])

    def batch_features(self, features):
        return features


def signal_data(num_pairs=240, seed=0):
    rng = np.random.default_rng(seed)
    noisy = rng.permutation(num_pairs) < num_pairs // 3
    signal = np.stack([bimodal(noisy, rng), bimodal(noisy, rng)], axis=1)
    return signal, noisy


def fake_runner(model, dataset, epoch=0, batch_size=16):
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True,
                        collate_fn=collate)
    return SimpleNamespace(model=model, train_dataloader=loader, epoch=epoch,
                           logger=logging.getLogger('test_rde_ccd'),
                           message_hub=MessageHub.get_instance('test_rde_ccd'))


def test_hook_divides_every_pair_before_the_epoch():
    signal, noisy = signal_data()
    model = SignalModel().train()
    runner = fake_runner(model, SignalDataset(signal, noisy), epoch=2)
    hook = ConsensusDivisionHook(batch_size=7)
    hook.before_train_epoch(runner)
    assert sorted(model.scored) == list(range(240))
    assert model.scored != list(range(240))  # shuffled, as RDE scores
    assert not any(model.modes) and model.training
    assert torch.equal(hook.weights, torch.from_numpy((~noisy).astype(
        np.float32)))
    hub = runner.message_hub
    assert hub.get_scalar('train/ccd_clean_precision').current() == 1.0
    assert hub.get_scalar('train/ccd_clean_recall').current() == 1.0
    assert hub.get_scalar('train/ccd_signal_1_clean_fraction').current() == (
        pytest.approx(160 / 240))


def test_hook_refuses_unseen_pairs():
    signal, noisy = signal_data(num_pairs=40)
    index = list(range(40))
    index[5] = 4  # pair 5 never reaches the model under its own index
    runner = fake_runner(SignalModel(), SignalDataset(signal, noisy, index))
    with pytest.raises(RuntimeError, match='scored 39 of 40.*5'):
        ConsensusDivisionHook().before_train_epoch(runner)


def test_hook_weights_all_pairs_before_start_epoch():
    signal, noisy = signal_data(num_pairs=40)
    model = SignalModel()
    runner = fake_runner(model, SignalDataset(signal, noisy), epoch=1)
    hook = ConsensusDivisionHook(start_epoch=2)
    hook.before_train_epoch(runner)
    assert model.scored == [] and torch.equal(hook.weights, torch.ones(40))


def test_hook_needs_per_pair_loss_heads():
    signal, noisy = signal_data(num_pairs=40)
    model = SignalModel()
    model.loss_heads = nn.ModuleList([nn.Identity()])
    with pytest.raises(ValueError, match='per_pair_loss'):
        ConsensusDivisionHook().before_train_epoch(
            fake_runner(model, SignalDataset(signal, noisy)))


def test_before_train_iter_puts_the_batch_weights():
    hook = ConsensusDivisionHook()
    hook.weights = torch.tensor([0., 1., 1., 0., 1.])
    batch = dict(inputs={}, data_samples=dict(
        image_index=torch.tensor([3, 0, 2, 4])))
    hook.before_train_iter(None, 0, batch)
    weights = batch['data_samples']['pair_weights']
    assert weights.dtype == torch.float32
    assert weights.tolist() == [0., 0., 1., 1.]


def test_checkpoint_round_trip(tmp_path):
    hook = ConsensusDivisionHook()
    hook.weights = torch.tensor([1., 0., 1.])
    checkpoint = dict(meta={})
    hook.before_save_checkpoint(None, checkpoint)
    torch.save(checkpoint, tmp_path / 'ckpt.pth')
    loaded = torch.load(tmp_path / 'ckpt.pth', weights_only=True)
    restored = ConsensusDivisionHook()
    restored.after_load_checkpoint(None, loaded)
    assert torch.equal(restored.weights, hook.weights)
    hook.weights[1] = 1.0  # the checkpoint holds a copy
    assert loaded['ccd_pair_weights'][1] == 0.0


def divide_on_rank(rank, init_file, out_dir):
    from amnsfw.engine.cpu_distributed import CPUDistributedDataParallel
    torch_dist.init_process_group('gloo', init_method=f'file://{init_file}',
                                  rank=rank, world_size=2)
    try:
        signal, noisy = signal_data(num_pairs=101, seed=4)
        # Every other noisy pair: the heads disagree there, and the coin
        # must land the same way on both ranks.
        signal[np.flatnonzero(noisy)[::2], 1] = 0.2
        model = SignalModel()
        runner = fake_runner(CPUDistributedDataParallel(model),
                             SignalDataset(signal, noisy))
        hook = ConsensusDivisionHook()
        hook.before_train_epoch(runner)
        torch.save(dict(weights=hook.weights, scored=model.scored),
                   f'{out_dir}/rank{rank}.pth')
    finally:
        torch_dist.destroy_process_group()


def test_ranks_share_one_division(tmp_path):
    mp.spawn(divide_on_rank, args=(str(tmp_path / 'init'), str(tmp_path)),
             nprocs=2)
    ranks = [torch.load(tmp_path / f'rank{r}.pth') for r in (0, 1)]
    assert torch.equal(ranks[0]['weights'], ranks[1]['weights'])
    # Each rank scored its half (51 with the sampler's one padded pair).
    assert [len(r['scored']) for r in ranks] == [51, 51]
    assert set(ranks[0]['scored']) | set(ranks[1]['scored']) == set(range(101))
    signal, noisy = signal_data(num_pairs=101, seed=4)
    disputed = np.flatnonzero(noisy)[::2]
    coin = ranks[0]['weights'][disputed]
    assert 0 < coin.sum() < len(disputed)


def test_hook_scores_a_tiny_retriever_in_eval_mode(tmp_path):
    from amnsfw.plugin_api import FUNCTIONS, MODELS
    from amnsfw.testing import TINY_IMAGE_SIZE, tiny_retriever_config
    words = 'a man woman red blue shirt bag with jeans black'
    torch.manual_seed(0)
    model = MODELS.build(tiny_retriever_config(
        tmp_path, captions=[words], max_length=10,
        embedding_heads=dict(tse=dict(type='TokenSelectionEmbedding',
                                      output_dim=24)),
        loss_heads=[dict(type='TALLoss'),
                    dict(type='TALLoss', embedding='tse')]))
    rng = np.random.default_rng(0)
    items = []
    for index in range(12):
        caption = ' '.join(rng.choice(words.split(), 5))
        encoded = model.tokenizer(caption)
        items.append(dict(
            img=torch.randint(0, 256, (3, *TINY_IMAGE_SIZE),
                              dtype=torch.uint8),
            text_ids=encoded['input_ids'], text_mask=encoded['attention_mask'],
            pid=index // 2, index=index))
    loader = DataLoader(items, batch_size=4,
                        collate_fn=FUNCTIONS.get('collate_person_search'))
    runner = SimpleNamespace(model=model.train(), train_dataloader=loader,
                             epoch=0, logger=logging.getLogger('test_rde_ccd'),
                             message_hub=MessageHub.get_instance('test_rde'))
    running_mean = model.embedding_heads['tse'].text_pool.mlp[1].running_mean
    before = running_mean.clone()
    hook = ConsensusDivisionHook()
    hook.before_train_epoch(runner)
    assert hook.weights.shape == (12, )
    assert set(hook.weights.tolist()) <= {0.0, 1.0}
    assert model.training
    assert torch.equal(running_mean, before)  # scored in eval mode
    batch = next(iter(loader))
    hook.before_train_iter(runner, 0, batch)
    data = model.data_preprocessor(batch, True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_tal_global', 'loss_tal_tse'}
