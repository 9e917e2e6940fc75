"""How mislabelled each training pair looks: the signals of
:func:`~amnsfw.analysis.noisy_pairs.find_noisy_pairs`, larger meaning more
suspicious.

* ``loss``: the pair's loss in its batch: the mean over the loss heads that
  have ``per_pair_loss`` (RDE's ``TALLoss``), or, for a model without one,
  the identity-aware InfoNCE of :func:`identity_infonce`;
* ``rank``: the rank of the pair's own image among all training images for
  its caption (1 = first), by the evaluation's similarity, ties counted
  against the pair;
* ``ccd``: ``1 - p_clean``, RDE's clean posterior under a two-component
  Gaussian mixture over each head's per-pair losses, the smallest over the
  heads (RDE calls a pair clean only when every head does). Needs
  scikit-learn.
"""
from typing import Dict, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config

from amnsfw.datasets import PersonSearchDataset
from amnsfw.evaluation.functional.clean_posterior import (RDE_GMM,
                                                          clean_posterior)
from amnsfw.evaluation.functional.ranking_metrics import similarity
from amnsfw.evaluation.pair_scoring import (collect_embeddings,
                                            iter_pair_features,
                                            own_image_ranks, pair_loss_heads,
                                            pair_loss_table, per_pair_losses)

SIGNALS = ('loss', 'rank', 'ccd')
#: Temperature of the fallback loss when no loss head has one (IRRA's).
DEFAULT_TAU = 0.02
Features = Dict[str, torch.Tensor]


def identity_infonce(image_feats: Features, text_feats: Features,
                     image_pids: torch.Tensor, text_pids: torch.Tensor,
                     tau: float) -> torch.Tensor:
    r"""Per-pair identity-aware InfoNCE within a batch, both directions.

    With :math:`S_{ij}` the evaluation's similarity of image :math:`i` and
    caption :math:`j` (cosine, averaged over the named embeddings),
    :math:`p^{i2t}_{ij} = \mathrm{softmax}_j(S_{ij}/\tau)`,
    :math:`p^{t2i}_{ji} = \mathrm{softmax}_j(S_{ji}/\tau)` and
    :math:`y_{ij} = 1` for pairs of the same person:

    .. math::
        \ell_i = -\frac12\Big[\log \sum_j y_{ij}\, p^{i2t}_{ij}
                 + \log \sum_j y_{ji}\, p^{t2i}_{ji}\Big]

    the probability mass the pair's image puts on its person's captions,
    and its caption on its person's images. With distinct persons in the
    batch it is CLIP's per-pair InfoNCE,
    :math:`-\frac12[\log p^{i2t}_{ii} + \log p^{t2i}_{ii}]`. A noisy pair
    keeps its image's person id, so its caption describes someone else and
    finds little mass on that person's images.

    Args:
        image_feats (Dict[str, Tensor]): ``(B, D_e)`` image embeddings by
            name.
        text_feats (Dict[str, Tensor]): ``(B, D_e)`` caption embeddings, the
            same names.
        image_pids (Tensor): ``(B,)`` person ids of the images.
        text_pids (Tensor): ``(B,)`` person ids of the captions.
        tau (float): Temperature.

    Returns:
        Tensor: ``(B,)`` float32 losses.
    """
    logits = similarity(image_feats, text_feats) / tau
    same = image_pids.view(-1, 1) == text_pids.view(1, -1)

    def positive_mass(rows: torch.Tensor, positives: torch.Tensor):
        return (rows.masked_fill(~positives, float('-inf')).logsumexp(dim=1)
                - rows.logsumexp(dim=1))

    return -0.5 * (positive_mass(logits, same)
                   + positive_mass(logits.t(), same.t()))


def fallback_tau(model: torch.nn.Module) -> float:
    """The first loss head's temperature (``1 / temperature()``), else
    :data:`DEFAULT_TAU`."""
    for head in model.loss_heads:
        temperature = getattr(head, 'temperature', None)
        if isinstance(temperature, torch.nn.Module):
            return float(1.0 / temperature().detach())
    return DEFAULT_TAU


@torch.no_grad()
def score_pairs(model: torch.nn.Module, dataset: PersonSearchDataset,
                batch_size: int, num_workers: int, tau: float
                ) -> Tuple[np.ndarray, Features, Features]:
    """Per-pair losses and features of every training pair, in order.

    Args:
        model (nn.Module): The retriever, in eval mode.
        dataset (PersonSearchDataset): From :func:`~amnsfw.evaluation.
            pair_scoring.build_unaugmented_train_set`.
        batch_size (int): Consecutive pairs per batch.
        num_workers (int): Data loader workers.
        tau (float): Temperature of :func:`identity_infonce`, used when no
            loss head has ``per_pair_loss``.

    Returns:
        tuple: ``(N, H)`` float64 losses (one column per head with
        ``per_pair_loss``, else one of :func:`identity_infonce`), and the
        ``(N, D_e)`` image and caption embeddings by name, on the CPU.
    """
    heads = pair_loss_heads(model)
    num_pairs = len(dataset)
    scored = []
    image_feats: Features = {}
    text_feats: Features = {}
    for rows, features in iter_pair_features(model, dataset, batch_size,
                                             num_workers, progress=True):
        images = model.named_embeddings(features, 'image')
        texts = model.named_embeddings(features, 'text')
        if heads:
            batch_losses = per_pair_losses(heads, features)
        else:
            batch_losses = identity_infonce(
                images, texts, features['image_pids'],
                features['text_pids'], tau)[:, None]
        scored.append((rows.numpy(), batch_losses.double().cpu().numpy()))
        collect_embeddings(image_feats, rows, images, num_pairs)
        collect_embeddings(text_feats, rows, texts, num_pairs)
    losses = pair_loss_table(scored, num_pairs, max(len(heads), 1))
    return losses, image_feats, text_feats


def ccd_gmm(cfg: Config) -> dict:
    """The mixture settings of the config's ``ConsensusDivisionHook``, else
    RDE's defaults (:data:`~amnsfw.evaluation.functional.clean_posterior.
    RDE_GMM`)."""
    for hook in cfg.get('custom_hooks', None) or []:
        if (str(hook.get('type', '')).split('.')[-1] == 'ConsensusDivisionHook'
                and hook.get('gmm') is not None):
            return dict(hook['gmm'])
    return dict(RDE_GMM)


def signal_scores(signal: str, losses: np.ndarray,
                  dataset: PersonSearchDataset, image_feats: Features,
                  text_feats: Features, gmm: Optional[dict] = None
                  ) -> np.ndarray:
    """Each pair's score under ``signal``, larger meaning more suspicious.

    Args:
        signal (str): One of :data:`SIGNALS`.
        losses (np.ndarray): ``(N, H)`` losses from :func:`score_pairs`.
        dataset (PersonSearchDataset): The train split they are of.
        image_feats (Dict[str, Tensor]): ``(N, D_e)`` image embeddings.
        text_feats (Dict[str, Tensor]): ``(N, D_e)`` caption embeddings.
        gmm (dict, optional): The mixture settings of ``'ccd'`` (e.g. from
            :func:`ccd_gmm`). Defaults to None (RDE's).

    Returns:
        np.ndarray: ``(N,)`` float64 scores.
    """
    if signal == 'loss':
        return losses.mean(axis=1)
    if signal == 'rank':
        return own_image_ranks(dataset, image_feats,
                               text_feats).astype(float)
    if signal == 'ccd':
        return 1.0 - np.min([clean_posterior(column, gmm)
                             for column in losses.T], axis=0)
    raise ValueError(f'signal must be one of {SIGNALS}, got {signal!r}')
