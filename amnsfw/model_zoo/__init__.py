"""The model zoo: pretrained towers that ship with amnsfw and its plugins.

An entry is a folder ``<zoo dir>/<name>/`` holding ``metafile.json`` and
the files it lists: ``weights.pth`` (the image and text towers with their
projections, as a state dict whose keys start with ``image_encoder.`` or
``text_encoder.``; never loss-head state) and usually ``tokenizer.json``.
The metafile records each file's sha256, the command, seed and corpus that
made the entry, the towers' configs and the entry's zero-shot metrics.

Configs name an entry as ``zoo://<name>`` (a backbone's ``pretrained``) or
``zoo://<name>/<file>`` (a tokenizer's ``vocab_file``). amnsfw's own
entries live in this package folder; a plugin adds folders of entries with
the ``amnsfw_model_zoo_dirs`` hook (docs/model_zoo.md). Every file is
checked against its sha256 before use: a missing or corrupt file is an
error naming the entry and the expected sha256, never silently used.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional

import torch
from mmengine.runner import CheckpointLoader

ZOO_PREFIX = 'zoo://'
METAFILE = 'metafile.json'
WEIGHTS_FILE = 'weights.pth'
#: State-dict prefixes of the towers an entry holds.
TOWERS = ('image_encoder', 'text_encoder')
#: The folder of amnsfw's own entries.
BUILTIN_ZOO_DIR = osp.dirname(osp.abspath(__file__))


class ZooError(ValueError):
    """A zoo entry is unknown, incomplete or does not match its metafile."""


@dataclass(frozen=True)
class ZooEntry:
    """One model zoo entry.

    Args:
        name (str): Entry name (its folder's name).
        path (str): The entry's folder.
        meta (dict): Its parsed ``metafile.json``.
    """

    name: str
    path: str
    meta: dict

    def file(self, filename: str) -> str:
        """Path of one of the entry's files, after checking its sha256.

        Raises:
            ZooError: The metafile does not list it, it is missing, or its
                content does not match the recorded sha256.
        """
        files = self.meta.get('files', {})
        if filename not in files:
            raise ZooError(f'model zoo entry {self.name!r} has no file '
                           f'{filename!r}; it has {sorted(files)}')
        expected = files[filename]['sha256']
        path = osp.join(self.path, filename)
        if not osp.isfile(path):
            raise ZooError(f'model zoo entry {self.name!r}: {path} is '
                           f'missing (expected sha256 {expected})')
        found = sha256_of(path)
        if found != expected:
            raise ZooError(
                f'model zoo entry {self.name!r}: {path} is corrupt: sha256 '
                f'{found}, expected {expected}')
        return path


def sha256_of(path: str) -> str:
    """Hex sha256 of a file's content."""
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for block in iter(lambda: file.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def zoo_dirs() -> List[str]:
    """Folders holding zoo entries: amnsfw's own, then those of plugins."""
    from amnsfw.registry import load_plugins
    host = load_plugins()
    dirs = [BUILTIN_ZOO_DIR]
    for found in host.manager.hook.amnsfw_model_zoo_dirs():
        dirs += [osp.abspath(path) for path in found]
    return list(dict.fromkeys(dirs))


def list_entries() -> Dict[str, str]:
    """``name -> folder`` of every entry in :func:`zoo_dirs`; the first
    folder that holds a name wins (amnsfw's own before plugins')."""
    entries: Dict[str, str] = {}
    for directory in zoo_dirs():
        if not osp.isdir(directory):
            continue
        for name in sorted(os.listdir(directory)):
            folder = osp.join(directory, name)
            if osp.isfile(osp.join(folder, METAFILE)):
                entries.setdefault(name, folder)
    return entries


def get_entry(name: str) -> ZooEntry:
    """The entry called ``name``.

    Raises:
        ZooError: No zoo folder holds it, or its metafile is unreadable.
    """
    entries = list_entries()
    if name not in entries:
        raise ZooError(f'no model zoo entry {name!r}; known entries: '
                       f'{sorted(entries) or "none"}')
    metafile = osp.join(entries[name], METAFILE)
    try:
        with open(metafile, encoding='utf-8') as file:
            meta = json.load(file)
    except (OSError, json.JSONDecodeError) as error:
        raise ZooError(f'model zoo entry {name!r}: cannot read {metafile}: '
                       f'{error}') from error
    return ZooEntry(name, entries[name], meta)


def is_zoo_reference(value) -> bool:
    """Whether ``value`` is a ``zoo://...`` string."""
    return isinstance(value, str) and value.startswith(ZOO_PREFIX)


def resolve_zoo_file(reference: str) -> str:
    """Local path of ``zoo://<name>/<file>`` (``zoo://<name>`` means its
    weights), checked against the metafile's sha256."""
    if not is_zoo_reference(reference):
        raise ZooError(f'{reference!r} is not a {ZOO_PREFIX}... reference')
    name, _, filename = reference[len(ZOO_PREFIX):].partition('/')
    return get_entry(name).file(filename or WEIGHTS_FILE)


def load_tower_state(reference: str, tower: str) -> Dict[str, torch.Tensor]:
    """One tower's weights from a zoo entry, keys relative to the tower.

    Args:
        reference (str): ``zoo://<name>``.
        tower (str): ``'image_encoder'`` or ``'text_encoder'``.
    """
    if tower not in TOWERS:
        raise ValueError(f'tower must be one of {TOWERS}, got {tower!r}')
    path = resolve_zoo_file(reference)
    state = torch.load(path, map_location='cpu', weights_only=True)
    prefix = tower + '.'
    tower_state = {key[len(prefix):]: value for key, value in state.items()
                   if key.startswith(prefix)}
    if not tower_state:
        raise ZooError(f'{reference}: {path} holds no {tower} weights')
    return tower_state


def load_into_tower(module: torch.nn.Module, reference: str,
                    tower: str) -> None:
    """Load a zoo entry's ``tower`` into ``module`` strictly, or raise a
    :class:`ZooError` naming the entry, the tower config it was made with
    and PyTorch's list of mismatching keys."""
    try:
        module.load_state_dict(load_tower_state(reference, tower))
    except RuntimeError as error:
        name = reference[len(ZOO_PREFIX):].split('/')[0]
        made_with = get_entry(name).meta.get('towers', {}).get(tower)
        raise ZooError(
            f'{reference} does not fit this {tower} (other shapes or keys; '
            f'the entry was made with {made_with}): {error}') from error


@CheckpointLoader.register_scheme(prefixes=ZOO_PREFIX)
def load_zoo_checkpoint(filename: str, map_location=None) -> dict:
    """MMEngine's loader for ``load_from='zoo://<name>'``: the entry's
    towers (a plain state dict), checked against their sha256. The runner
    loads it non-strictly, so loss heads keep their configured values; an
    AMNS EMA encoder, copied at build time, does not see it: prefer the
    backbones' ``pretrained='zoo://<name>'``."""
    return torch.load(resolve_zoo_file(filename), map_location=map_location,
                      weights_only=True)


def write_entry(directory: str, name: str, model_state: Mapping,
                files: Mapping[str, str], meta: dict) -> ZooEntry:
    """Write a zoo entry: the towers of ``model_state`` as
    ``weights.pth``, copies of ``files`` (``name in the entry -> source
    path``), and ``metafile.json`` = ``meta`` plus every file's sha256.

    Only keys under :data:`TOWERS` are kept, so loss heads, maskers and
    optimiser state never enter the zoo. Files are written before the
    metafile, so an interrupted write leaves no loadable entry.
    """
    folder = osp.join(directory, name)
    os.makedirs(folder, exist_ok=True)
    metafile = osp.join(folder, METAFILE)
    if osp.exists(metafile):
        os.remove(metafile)
    towers = {key: value.detach().cpu().clone()
              for key, value in model_state.items()
              if key.split('.')[0] in TOWERS}
    torch.save(towers, osp.join(folder, WEIGHTS_FILE))
    for target, source in files.items():
        shutil.copyfile(source, osp.join(folder, target))
    listed = {filename: dict(sha256=sha256_of(osp.join(folder, filename)),
                             bytes=osp.getsize(osp.join(folder, filename)))
              for filename in [WEIGHTS_FILE, *files]}
    full_meta = dict(meta, name=name, files=listed)
    temporary = metafile + '.tmp'
    with open(temporary, 'w', encoding='utf-8') as file:
        json.dump(full_meta, file, indent=2)
        file.write('\n')
    os.replace(temporary, metafile)
    return ZooEntry(name, folder, full_meta)


def zoo_retriever_config(name: str) -> dict:
    """A ``TextImageRetriever`` config of an entry's towers and tokenizer
    (for zero-shot use), with CLIP's contrastive loss as its one head."""
    meta = get_entry(name).meta
    reference = ZOO_PREFIX + name
    towers = {tower: dict(meta['towers'][tower], pretrained=reference)
              for tower in TOWERS}
    tokenizer = dict(meta['tokenizer'],
                     vocab_file=f'{reference}/tokenizer.json')
    return dict(type='TextImageRetriever', tokenizer=tokenizer, **towers,
                loss_heads=[dict(type='ITCLoss')])


def entry_table(entries: Optional[List[str]] = None) -> str:
    """One line per entry: name, size, zero-shot test R@1 and its folder."""
    lines = []
    for name, folder in list_entries().items():
        if entries and name not in entries:
            continue
        meta = get_entry(name).meta
        size = sum(f['bytes'] for f in meta.get('files', {}).values())
        r1 = meta.get('zero_shot', {}).get('retrieval/R1')
        lines.append(f'{name:<28} {size / 1e6:6.2f} MB  zero-shot R@1 '
                     f'{"?" if r1 is None else f"{r1:.2f}"}  {folder}')
    return '\n'.join(lines)
