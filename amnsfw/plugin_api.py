"""The plugin API: everything of amnsfw that a plugin may import.

A plugin's code imports amnsfw only from here (its tests may also use
:mod:`amnsfw.testing`); every other module of amnsfw is internal and may
move between releases. What this module exports, with the hooks of
:mod:`amnsfw.hookspecs` and the component contracts, is the plugin API whose
version a plugin declares (``AMNSFW_PLUGIN_API = '1'``, see
docs/plugins.md); a name leaves it only with a new API version.

* **Hooks**: :data:`hookimpl` marks a plugin's hook implementations.
* **Contracts** (:mod:`amnsfw.contracts`): the protocols each kind of
  component satisfies, checked when a plugin registers one
  (:class:`Masker`, :class:`LossHead`, :class:`EmbeddingHead`), and the
  optional capability :class:`PerPairLoss` (``isinstance(head,
  PerPairLoss)``).
* **Registries** by kind (:data:`REGISTRIES`, and each by its constant), to
  build components by name in tests; plugins register through the
  registrars their hook is handed, not these.
* **The loaded plugins**: :func:`load_plugins`, :func:`component_owners`,
  :func:`describe_plugins`.
* **Building blocks**: :class:`EncoderOutput` (what encoders return), the
  model facts (:data:`MODEL_FACTS`, :func:`build_with_model_facts`), the
  loss helpers (:class:`Temperature`, :func:`identity_targets`,
  :func:`identity_logits`, :func:`matching_kl`, :func:`weighted_mean`) and
  the data set bases (:class:`PersonSearchDataset`, :class:`PersonRecord`,
  :class:`CUHKPEDES`).
* **Pair scoring** (what RDE's consensus division and
  ``tools/find_noisy_pairs.py`` share): :func:`pair_loss_heads`,
  :func:`per_pair_losses`, :func:`pair_loss_table`, and RDE's clean
  posterior :func:`clean_posterior` with its mixture settings
  :data:`RDE_GMM`.
"""
from amnsfw.contracts import (ContractError, EmbeddingHead, LossHead, Masker,
                              PerPairLoss)
from amnsfw.datasets import CUHKPEDES, PersonRecord, PersonSearchDataset
from amnsfw.evaluation.functional.clean_posterior import (RDE_GMM,
                                                          clean_posterior)
from amnsfw.evaluation.pair_scoring import (pair_loss_heads, pair_loss_table,
                                            per_pair_losses)
from amnsfw.hookspecs import hookimpl
from amnsfw.models.backbones.encoder_output import EncoderOutput
from amnsfw.models.losses.sdm_loss import (identity_logits, identity_targets,
                                           matching_kl, weighted_mean)
from amnsfw.models.losses.temperature import Temperature
from amnsfw.models.retrievers.model_facts import (MODEL_FACTS,
                                                  build_with_model_facts)
from amnsfw.registry import (BACKBONES, DATA_SAMPLERS, DATASETS,
                             EMBEDDING_HEADS, FUNCTIONS, HOOKS, LOSSES,
                             MASKERS, METRICS, MODELS, REGISTRIES, TOKENIZERS,
                             TRANSFORMS, UnknownComponentError,
                             component_owners, describe_plugins, load_plugins)

__all__ = [
    # hooks
    'hookimpl',
    # contracts
    'ContractError', 'EmbeddingHead', 'LossHead', 'Masker', 'PerPairLoss',
    # registries
    'BACKBONES', 'DATA_SAMPLERS', 'DATASETS', 'EMBEDDING_HEADS', 'FUNCTIONS',
    'HOOKS', 'LOSSES', 'MASKERS', 'METRICS', 'MODELS', 'REGISTRIES',
    'TOKENIZERS', 'TRANSFORMS', 'UnknownComponentError',
    # the loaded plugins
    'component_owners', 'describe_plugins', 'load_plugins',
    # building blocks
    'EncoderOutput', 'MODEL_FACTS', 'build_with_model_facts', 'Temperature',
    'identity_logits', 'identity_targets', 'matching_kl', 'weighted_mean',
    'CUHKPEDES', 'PersonRecord', 'PersonSearchDataset',
    # pair scoring
    'RDE_GMM', 'clean_posterior', 'pair_loss_heads', 'pair_loss_table',
    'per_pair_losses',
]
