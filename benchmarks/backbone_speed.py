"""Training-step speed and peak memory of the CLIP backbones.

Builds the real-size CLIP ViT-B/16 towers (random weights: the speed does not
depend on them, and nothing is downloaded) at 384x128 with 77-token captions,
and times forward + backward of SDM on a batch, as fine-tuning runs it::

    .venv/bin/python benchmarks/backbone_speed.py                # CPU, fp32
    .venv/bin/python benchmarks/backbone_speed.py --device cuda --amp bf16
    .venv/bin/python benchmarks/backbone_speed.py --size tiny    # tiny config
    .venv/bin/python benchmarks/backbone_speed.py --mask awm      # AMNS's AWM

``--mask random|awm`` drops ``--mask-ratio`` of the patches before the image
encoder's blocks (``RandomTokenMasker``, or AMNS's attention-weighted masker
with its EMA encoder's extra no-grad pass), as training with them does.

Prints samples/s and peak memory (CUDA: ``max_memory_allocated``; CPU: the
process's peak resident set, which includes the model and Python); with
``--json``, also one JSON line of the figures (``benchmarks/speed.py`` reads
it).
"""
import argparse
import contextlib
import json
import resource
import sys
import time
from types import SimpleNamespace

import torch

from amnsfw.models.backbones import CLIPImageEncoder, CLIPTextEncoder
from amnsfw.models.losses import SDMLoss
from amnsfw.registry import MASKERS

#: transformers CLIPVisionConfig / CLIPTextConfig sizes of each model.
SIZES = {
    'vitb16': dict(
        image_size=(384, 128),
        vision=dict(hidden_size=768, intermediate_size=3072,
                    num_hidden_layers=12, num_attention_heads=12,
                    patch_size=16, image_size=224, projection_dim=512,
                    hidden_act='quick_gelu'),
        text=dict(hidden_size=512, intermediate_size=2048,
                  num_hidden_layers=12, num_attention_heads=8,
                  projection_dim=512, hidden_act='quick_gelu'),
        vocab_size=49409, max_length=77),
    'tiny': dict(
        image_size=(96, 32),
        vision=dict(hidden_size=64, intermediate_size=256,
                    num_hidden_layers=4, num_attention_heads=4,
                    patch_size=16, image_size=32, projection_dim=64),
        text=dict(hidden_size=64, intermediate_size=256,
                  num_hidden_layers=2, num_attention_heads=4,
                  projection_dim=64),
        vocab_size=1000, max_length=32),
}
AMP_DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}


def build(size: str, gradient_checkpointing: bool):
    spec = SIZES[size]
    tokenizer = SimpleNamespace(vocab_size=spec['vocab_size'],
                                max_length=spec['max_length'], sot_id=1,
                                eot_id=2, pad_id=0)
    image = CLIPImageEncoder(image_size=spec['image_size'],
                             config=spec['vision'],
                             gradient_checkpointing=gradient_checkpointing)
    text = CLIPTextEncoder(tokenizer, config=spec['text'],
                           gradient_checkpointing=gradient_checkpointing)
    return spec, image, text


def build_masker(kind: str, ratio: float, image_encoder):
    """The masker that ``--mask`` names (AWM comes from the AMNS plugin)."""
    if kind == 'none':
        return MASKERS.build(dict(type='IdentityMasker'))
    if kind == 'random':
        return MASKERS.build(dict(type='RandomTokenMasker', mask_ratio=ratio))
    return MASKERS.build(dict(type='AttentionWeightedMasker', mask_ratio=ratio,
                              image_encoder=image_encoder))


def make_batch(spec, batch_size: int, device: str):
    images = torch.randn(batch_size, 3, *spec['image_size'], device=device)
    length = spec['max_length']
    ids = torch.randint(3, spec['vocab_size'], (batch_size, length),
                        device=device)
    ids[:, 0], ids[:, length // 2] = 1, 2  # SOT, then EOT mid-caption
    mask = (torch.arange(length, device=device) <= length // 2).long()
    pids = torch.arange(batch_size, device=device) // 2
    return images, ids, mask.expand(batch_size, -1), pids


def peak_memory_mib(device: str) -> float:
    if device.startswith('cuda'):
        return torch.cuda.max_memory_allocated() / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == 'darwin' else peak / 2**10


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', choices=sorted(SIZES), default='vitb16')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--amp', choices=sorted(AMP_DTYPES), default=None)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--gradient-checkpointing', action='store_true')
    parser.add_argument('--mask', choices=('none', 'random', 'awm'),
                        default='none')
    parser.add_argument('--mask-ratio', type=float, default=0.5)
    parser.add_argument('--json', action='store_true',
                        help='also print the figures as one JSON line')
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    spec, image, text = build(args.size, args.gradient_checkpointing)
    loss_head = SDMLoss()
    masker = build_masker(args.mask, args.mask_ratio, image)
    for module in (image, text, loss_head, masker):
        module.to(args.device).train()
    params = [*image.parameters(), *text.parameters()]
    optimizer = torch.optim.Adam(params, lr=1e-5)
    images, ids, mask, pids = make_batch(spec, args.batch_size, args.device)
    autocast = (torch.autocast(device_type=args.device.split(':')[0],
                               dtype=AMP_DTYPES[args.amp])
                if args.amp else contextlib.nullcontext())

    def step():
        with autocast:
            image_embeds = image(
                images, token_filter=lambda tokens: masker(
                    tokens, images, None)).embeds
            features = dict(image_embeds=image_embeds,
                            text_embeds=text(ids, mask).embeds,
                            image_pids=pids, text_pids=pids)
            loss = loss_head(features)['loss_sdm']
        loss.float().backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    for _ in range(args.warmup):
        step()
    if args.device.startswith('cuda'):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    if args.device.startswith('cuda'):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    count = sum(p.numel() for p in params)
    print(f'size={args.size} device={args.device} amp={args.amp or "fp32"} '
          f'batch={args.batch_size} threads={torch.get_num_threads()} '
          f'checkpointing={args.gradient_checkpointing} '
          f'mask={args.mask}:{args.mask_ratio if args.mask != "none" else 0} '
          f'params={count / 1e6:.1f}M')
    samples_per_s = args.batch_size * args.steps / seconds
    peak_mib = peak_memory_mib(args.device)
    print(f'forward+backward+step: {samples_per_s:.2f} samples/s '
          f'({seconds / args.steps:.2f} s/step), peak memory '
          f'{peak_mib:.0f} MiB')
    if args.json:
        print(json.dumps(dict(samples_per_s=samples_per_s, peak_mib=peak_mib,
                              params_m=count / 1e6)))


if __name__ == '__main__':
    main()
