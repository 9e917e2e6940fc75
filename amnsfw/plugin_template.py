"""``amnsfw new-plugin``: write a plugin package from the templates.

The templates are files under ``amnsfw/templates/plugin`` (package data),
filled in with :class:`string.Template` (``$name`` placeholders). A plugin
``NAME`` becomes the distribution ``amnsfw-NAME``, the module
``amnsfw_NAME`` and the entry point ``NAME`` (``-`` turned into ``_``),
with one example component of the chosen kind named after the plugin.
"""
import importlib.resources
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Dict, List, Optional, Tuple, Union

import amnsfw
from amnsfw.version import PLUGIN_API_VERSION

#: The amnsfw config that every generated config inherits from, relative to
#: amnsfw's ``configs/`` folder: the tiny CLIP trained on SynthPEDES.
BASE_CONFIG = 'itc/itc_tinyclip_8e_synthpedes.py'
NAME_PATTERN = re.compile(r'[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*')


@dataclass(frozen=True)
class KindTemplate:
    """How the example component of one kind is named and described.

    Args:
        class_suffix (str): Appended to the plugin's CamelCase name.
        subpackage (str): Subpackage of the plugin module holding it.
        summary (str): One line on what the example does.
    """

    class_suffix: str
    subpackage: str
    summary: str


#: The kinds ``new-plugin`` can start from, by registry kind.
KIND_TEMPLATES: Dict[str, KindTemplate] = {
    'masker': KindTemplate(
        'Masker', 'maskers',
        'a masker that keeps the top rows of patches'),
    'loss': KindTemplate(
        'Loss', 'losses',
        'a hinge loss on the cosine similarity of pairs'),
    'backbone': KindTemplate(
        'ImageEncoder', 'backbones',
        'a tiny transformer image encoder'),
    'dataset': KindTemplate(
        'Dataset', 'datasets',
        'a CUHK-PEDES reader for another annotation file'),
}
KINDS = tuple(KIND_TEMPLATES)


def default_configs_dir() -> Path:
    """The ``configs/`` folder of the checkout amnsfw is installed from."""
    return Path(amnsfw.__file__).resolve().parent.parent / 'configs'


def template_fields(name: str, kind: str, base_config: Path) -> Dict[str, str]:
    """The values of the templates' placeholders.

    Args:
        name (str): Plugin name (``NAME`` of ``amnsfw-NAME``).
        kind (str): Kind of the example component, a key of
            :data:`KIND_TEMPLATES`.
        base_config (Path): Absolute path of the config the generated one
            inherits from.

    Returns:
        dict[str, str]: Placeholder name to value.
    """
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f'plugin name must be lower-case letters and digits, words '
            f'joined by - or _, starting with a letter; got {name!r}')
    if kind not in KIND_TEMPLATES:
        raise ValueError(f'kind must be one of {KINDS}, got {kind!r}')
    template = KIND_TEMPLATES[kind]
    entry = name.replace('-', '_')
    # amnsfw's checkout: the folder above configs/.
    checkout = base_config.parents[len(Path(BASE_CONFIG).parts)]
    words = entry.split('_')
    suffix_words = re.findall('[A-Z][a-z]*', template.class_suffix)
    return dict(
        name=name,
        dist=f'amnsfw-{name}',
        module=f'amnsfw_{entry}',
        entry=entry,
        kind=kind,
        subpackage=template.subpackage,
        summary=template.summary,
        cls=''.join(w.capitalize() for w in words) + template.class_suffix,
        snake='_'.join(words + [w.lower() for w in suffix_words]),
        config=f'{entry}_tinyclip_30e_synthpedes',
        api=PLUGIN_API_VERSION,
        base_name=BASE_CONFIG,
        amnsfw_root=str(checkout),
        base_config=repr(str(base_config)),
    )


def _layout(fields: Dict[str, str]) -> List[Tuple[str, str]]:
    """``(template, output path)`` pairs, the paths relative to the
    package's folder."""
    kind, module = fields['kind'], fields['module']
    subpackage = f'{module}/{fields["subpackage"]}'
    return [
        ('pyproject.toml.tmpl', 'pyproject.toml'),
        ('setup.cfg.tmpl', 'setup.cfg'),
        ('README.md.tmpl', 'README.md'),
        ('module_init.py.tmpl', f'{module}/__init__.py'),
        ('plugin.py.tmpl', f'{module}/plugin.py'),
        ('subpackage_init.py.tmpl', f'{subpackage}/__init__.py'),
        (f'{kind}/component.py.tmpl', f'{subpackage}/{fields["snake"]}.py'),
        (f'{kind}/config.py.tmpl', f'configs/{fields["config"]}.py'),
        (f'{kind}/test.py.tmpl', f'tests/test_{fields["entry"]}.py'),
    ]


def generate_plugin(name: str,
                    kind: str = 'masker',
                    dest: Union[str, Path] = '.',
                    configs: Optional[Union[str, Path]] = None) -> Path:
    """Write the plugin package ``amnsfw-NAME`` into ``dest``.

    Args:
        name (str): Plugin name: lower-case letters and digits, words
            joined by ``-`` or ``_``.
        kind (str): Kind of the example component: ``'masker'``,
            ``'loss'``, ``'backbone'`` or ``'dataset'``. Defaults to
            ``'masker'``.
        dest (str | Path): Folder to write ``amnsfw-NAME/`` into. Defaults
            to ``'.'``.
        configs (str | Path, optional): amnsfw's ``configs/`` folder; the
            generated config inherits :data:`BASE_CONFIG` from it by
            absolute path. Defaults to None (:func:`default_configs_dir`).

    Returns:
        Path: The package's folder.
    """
    configs_dir = Path(configs) if configs else default_configs_dir()
    base_config = (configs_dir / BASE_CONFIG).resolve()
    if not base_config.is_file():
        raise FileNotFoundError(
            f"the generated config inherits amnsfw's {BASE_CONFIG}, which is "
            f'not in {configs_dir}; pass the configs/ folder of an amnsfw '
            'checkout (--configs)')
    fields = template_fields(name, kind, base_config)
    root = Path(dest) / fields['dist']
    if root.exists():
        raise FileExistsError(
            f'{root} already exists; choose another name or --dest')
    templates = importlib.resources.files('amnsfw') / 'templates' / 'plugin'
    for template, path in _layout(fields):
        text = Template(templates.joinpath(template).read_text('utf-8'))
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.substitute(fields), encoding='utf-8')
    return root
