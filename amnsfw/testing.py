"""Tiny retrievers and batches for the tests of amnsfw and of its plugins.

A test builds a whole :class:`~amnsfw.models.retrievers.TextImageRetriever`
around the component it checks, with random weights, in about a second on a
CPU::

    cfg = tiny_retriever_config(tmp_path, loss_heads=[dict(type='MyLoss')])
    model = MODELS.build(cfg)
    inputs, data_samples = pair_batch(model, ['a man', 'a red bag'], [4, 9])
    losses = model(inputs, data_samples, mode='loss')

Copy the constants before changing them (``dict(TINY_ENCODER, ...)``).
"""
import json
import os
from typing import Callable, Dict, List, Mapping, Sequence, Tuple, Union

import torch

#: Input ``(height, width)`` of the tiny image encoder: a 4 x 2 grid of
#: 8-pixel patches.
TINY_IMAGE_SIZE: Tuple[int, int] = (32, 16)
#: Transformer sizes shared by the tiny image and text encoders (transformers'
#: ``CLIPVisionConfig`` / ``CLIPTextConfig`` fields).
TINY_ENCODER: Dict[str, int] = dict(hidden_size=32, intermediate_size=64,
                                    num_hidden_layers=1,
                                    num_attention_heads=2, projection_dim=16)
#: Patch geometry of the tiny image encoder: 8-pixel patches, position
#: embeddings stored for a 16-pixel square and resized to the input grid.
TINY_PATCHES: Dict[str, int] = dict(patch_size=8, image_size=16)
#: Captions of the corpus the tiny word-level vocabulary is trained on.
TINY_CAPTIONS: Tuple[str, ...] = ('a man in a red shirt',
                                  'a woman with a blue bag')

Folder = Union[str, os.PathLike]


def tiny_tokenizer_config(folder: Folder,
                          captions: Sequence[str] = TINY_CAPTIONS,
                          max_length: int = 8) -> dict:
    """Write a one-record corpus and return a tokenizer config trained on it.

    Args:
        folder (str | os.PathLike): An existing folder (a test's
            ``tmp_path``) for ``corpus.json`` and the vocabulary file.
        captions (Sequence[str]): The captions of the corpus' one training
            record; their words make the vocabulary. Defaults to
            ``TINY_CAPTIONS``.
        max_length (int): Caption length in tokens, SOT and EOT included.
            Defaults to 8.

    Returns:
        dict: A ``WordLevelTokenizer`` config for ``TOKENIZERS.build``.
    """
    corpus = os.path.join(folder, 'corpus.json')
    with open(corpus, 'w', encoding='utf-8') as file:
        json.dump([dict(split='train', id=1, file_path='a.jpg',
                        captions=list(captions))], file)
    return dict(type='WordLevelTokenizer',
                vocab_file=os.path.join(folder, 'tokenizer.json'),
                corpus=corpus, max_length=max_length)


def tiny_retriever_config(folder: Folder,
                          captions: Sequence[str] = TINY_CAPTIONS,
                          max_length: int = 8,
                          encoder: Mapping[str, int] = TINY_ENCODER,
                          **overrides) -> dict:
    """Config of a ``TextImageRetriever`` with tiny random CLIP encoders.

    The images are ``TINY_IMAGE_SIZE``; the model trains with ``SDMLoss``
    unless ``loss_heads`` is overridden. Every call returns new dicts, free to
    change.

    Args:
        folder (str | os.PathLike): An existing folder for the tokenizer's
            corpus and vocabulary (see :func:`tiny_tokenizer_config`).
        captions (Sequence[str]): Captions whose words make the vocabulary.
            Defaults to ``TINY_CAPTIONS``.
        max_length (int): Caption length in tokens. Defaults to 8.
        encoder (Mapping[str, int]): Transformer sizes of both encoders.
            Defaults to ``TINY_ENCODER``.
        **overrides: Retriever arguments that replace or add to the config's
            keys (``loss_heads``, ``masker``, ``embedding_heads``, ...).

    Returns:
        dict: The config, for ``MODELS.build``.
    """
    cfg = dict(
        type='TextImageRetriever',
        tokenizer=tiny_tokenizer_config(folder, captions, max_length),
        image_encoder=dict(type='CLIPImageEncoder',
                           image_size=TINY_IMAGE_SIZE,
                           config=dict(encoder, **TINY_PATCHES)),
        text_encoder=dict(type='CLIPTextEncoder', config=dict(encoder)),
        loss_heads=[dict(type='SDMLoss')])
    cfg.update(overrides)
    return cfg


def caption_inputs(tokenizer: Callable[[str], Dict[str, torch.Tensor]],
                   texts: Sequence[str]) -> Dict[str, torch.Tensor]:
    """Tokenise captions into a retriever's text inputs.

    Args:
        tokenizer (Callable): A caption tokenizer (a model's
            ``tokenizer``): text to ``input_ids`` and ``attention_mask``.
        texts (Sequence[str]): The captions, one per batch row.

    Returns:
        dict: ``text_ids`` and ``text_mask``, each ``(len(texts), length)``.
    """
    encoded = [tokenizer(text) for text in texts]
    return dict(text_ids=torch.stack([e['input_ids'] for e in encoded]),
                text_mask=torch.stack([e['attention_mask'] for e in encoded]))


def pair_batch(
    model: torch.nn.Module,
    texts: Sequence[str],
    pids: Sequence[int],
    image_size: Tuple[int, int] = TINY_IMAGE_SIZE
) -> Tuple[Dict[str, torch.Tensor], Dict[str, torch.Tensor]]:
    """A batch of training pairs: random images with the given captions.

    Pair ``i`` holds caption ``texts[i]`` and identity ``pids[i]`` on both
    sides; its index in the data set and its batch row are ``i``.

    Args:
        model (torch.nn.Module): A retriever; its ``tokenizer`` encodes the
            captions.
        texts (Sequence[str]): The captions, one per pair.
        pids (Sequence[int]): The person identities, one per pair.
        image_size (tuple[int, int]): The images' ``(height, width)``.
            Defaults to ``TINY_IMAGE_SIZE``.

    Returns:
        tuple[dict, dict]: ``inputs`` (``images`` ``(N, 3, H, W)``,
        ``text_ids``, ``text_mask``) and ``data_samples`` (``image_pids``,
        ``text_pids``, ``image_index``, ``text_index``, ``image_rows``,
        ``text_rows``), as ``model(inputs, data_samples, mode)`` takes them.
    """
    if len(texts) != len(pids):
        raise ValueError(f'expected one pid per caption, got {len(pids)} '
                         f'pids for {len(texts)} captions')
    count = len(texts)
    inputs = dict(images=torch.randn(count, 3, *image_size),
                  **caption_inputs(model.tokenizer, texts))
    pids_tensor = torch.as_tensor(pids)
    data_samples = dict(image_pids=pids_tensor, text_pids=pids_tensor.clone(),
                        image_index=torch.arange(count),
                        text_index=torch.arange(count),
                        image_rows=torch.arange(count),
                        text_rows=torch.arange(count))
    return inputs, data_samples


def quick_run_options(batch_size: int, max_epochs: int = 1) -> List[str]:
    """``--cfg-options`` for a seconds-long run of a SynthPEDES config in a
    test: ``max_epochs``, the train batch size, and every loader in the main
    process (no worker processes to start or leak)."""
    options = [f'train_cfg.max_epochs={max_epochs}',
               f'train_dataloader.batch_size={batch_size}']
    for loader in ('train', 'val', 'test'):
        options += [f'{loader}_dataloader.num_workers=0',
                    f'{loader}_dataloader.persistent_workers=0']
    return options
