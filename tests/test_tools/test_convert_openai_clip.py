"""tools/convert_openai_clip.py run as a user runs it."""
import os
import subprocess
import sys
from pathlib import Path

import open_clip
import torch

from amnsfw.models.backbones import CLIPImageEncoder

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'convert_openai_clip.py'


def run_tool(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, str(TOOL), *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_converts_and_copies_the_tokenizer(tmp_path):
    torch.manual_seed(0)
    reference = open_clip.model.CLIP(
        embed_dim=16,
        vision_cfg=dict(image_size=32, layers=1, width=64, patch_size=16,
                        head_width=64),
        text_cfg=dict(context_length=8, vocab_size=50, width=64, heads=1,
                      layers=1),
        quick_gelu=True).eval()
    with torch.no_grad():
        for param in reference.parameters():
            param.add_(0.05 * torch.randn_like(param))
    torch.save(reference.state_dict(), tmp_path / 'ViT.pt')
    tokenizer = tmp_path / 'tokenizer'
    tokenizer.mkdir()
    (tokenizer / 'vocab.json').write_text('{"a</w>": 0}', encoding='utf-8')
    (tokenizer / 'merges.txt').write_text('#version: 0.2\n', encoding='utf-8')
    (tokenizer / 'notes.txt').write_text('not a tokenizer file')
    dst = tmp_path / 'clip'

    result = run_tool(str(tmp_path / 'ViT.pt'), str(dst), '--tokenizer-from',
                      str(tokenizer))

    assert result.returncode == 0, result.stderr[-3000:]
    for name in ('config.json', 'vocab.json', 'merges.txt'):
        assert str(dst / name) in result.stdout
    assert (dst / 'vocab.json').read_text() == '{"a</w>": 0}'
    assert not (dst / 'notes.txt').exists()
    encoder = CLIPImageEncoder(image_size=(32, 32), pretrained=str(dst))
    images = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(encoder.eval()(images).embeds,
                              reference.encode_image(images, normalize=False),
                              atol=1e-5)


def test_cli_refuses_a_file_that_is_not_a_state_dict(tmp_path):
    torch.save([torch.zeros(2)], tmp_path / 'list.pt')
    result = run_tool(str(tmp_path / 'list.pt'), str(tmp_path / 'clip'))
    assert result.returncode != 0
    assert 'holds a list; expected a state dict' in result.stderr
