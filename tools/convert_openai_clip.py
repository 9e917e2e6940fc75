"""Convert an OpenAI CLIP ViT checkpoint to a transformers CLIP folder.

Example::

    python tools/convert_openai_clip.py ViT-B-16.pt checkpoints/clip-vit-b16
    python tools/convert_openai_clip.py ViT-B-16.pt checkpoints/clip-vit-b16 \\
        --tokenizer-from checkpoints/openai-clip-vit-base-patch16

SRC is OpenAI's TorchScript archive (``ViT-B-16.pt``...) or a state dict
saved with ``torch.save`` (OpenAI's key names, a ``module.`` prefix is
stripped). DST receives ``config.json`` and the float32 weights of a
transformers ``CLIPModel``; point ``CLIPImageEncoder(pretrained=DST)`` and
``CLIPTextEncoder(pretrained=DST)`` at it. ResNet checkpoints (RN50...) are
refused.

OpenAI's ``.pt`` holds no tokenizer: give
``CLIPBPETokenizer(name_or_path=...)`` a folder holding CLIP's ``vocab.json``
and ``merges.txt`` (a transformers CLIP checkpoint has them), or copy them
into DST with ``--tokenizer-from``.
"""
import argparse
import sys
from typing import List, Optional

from amnsfw.cli_errors import add_debug_argument, run_tool
from amnsfw.models.backbones.openai_clip_checkpoint import (
    TOKENIZER_FILES, convert_openai_clip, copy_tokenizer_files)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        argparse.Namespace: The parsed options.
    """
    parser = argparse.ArgumentParser(
        description='Convert an OpenAI CLIP ViT checkpoint (TorchScript .pt '
        'or a torch.save state dict) to a transformers CLIPModel folder that '
        'CLIPImageEncoder and CLIPTextEncoder load with pretrained=DST. The '
        '.pt holds no tokenizer: point CLIPBPETokenizer(name_or_path=...) '
        "at a folder with CLIP's vocab.json and merges.txt (e.g. a "
        'transformers CLIP checkpoint), or copy them with --tokenizer-from.')
    parser.add_argument('src', help="OpenAI's .pt file or a saved state dict")
    parser.add_argument('dst', help='output folder')
    parser.add_argument(
        '--tokenizer-from',
        metavar='FOLDER',
        help='also copy the tokenizer files found in FOLDER ('
        + ', '.join(TOKENIZER_FILES) + ') into DST')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    """Convert, then print the files written.

    Args:
        argv (list[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.
    """
    args = parse_args(argv)
    written = convert_openai_clip(args.src, args.dst)
    if args.tokenizer_from is not None:
        written += copy_tokenizer_files(args.tokenizer_from, args.dst)
    print(f'Converted {args.src} to {args.dst}:')
    for path in sorted(set(written)):
        print(f'  {path}')


if __name__ == '__main__':
    sys.exit(run_tool(main))
