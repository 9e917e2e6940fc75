"""docs/architecture.md names only paths and modules that exist.

The page maps the data flow, the features dict, the registries and IRRA's /
RDE's code onto files of this repository; a rename must update it, or this
test fails naming what went stale. The check is static (files and the
names their top level defines), so it imports nothing heavy.
"""
import ast
import glob
import os.path as osp
import re
from functools import lru_cache
from typing import List, Optional, Set

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOC = osp.join(ROOT, 'docs', 'architecture.md')

#: First segments of path-like names that are not in this repository, so
#: are not looked up: IRRA's and RDE's trees (the file map), a data set's
#: annotation file, and metric names (``retrieval/R1``).
FOREIGN_ROOTS = {'model', 'datasets', 'processor', 'utils', 'solver',
                 'noiseindex', 'train.py', 'test.py', '2024-CVPR-RDE',
                 'reid_raw.json', 'retrieval'}
#: Where each importable top-level package of the repository lives.
PACKAGES = {
    'amnsfw': 'amnsfw',
    'amnsfw_rde': 'plugins/rde/amnsfw_rde',
    'amnsfw_amns': 'plugins/amns/amnsfw_amns',
}
FILE_SUFFIXES = ('.py', '.md', '.toml', '.cfg', '.sh', '.json', '.npy',
                 '.yaml', '.txt', '.png')
CODE_SPAN = re.compile(r'`([^`\n]+)`')
LINK = re.compile(r'\]\(([^)\s]+)\)')
DOTTED = re.compile(r'(?<![\w./-])((?:amnsfw_rde|amnsfw_amns|amnsfw)'
                    r'(?:\.[A-Za-z_]\w*)+)')


def doc_text() -> str:
    with open(DOC, encoding='utf-8') as file:
        return file.read()


def is_path(token: str) -> bool:
    """A code span that names a file or folder: no spaces, and a slash or
    a file name with a known suffix."""
    if not re.fullmatch(r'[\w.*/-]+', token) or '::' in token:
        return False
    return '/' in token or (token.endswith(FILE_SUFFIXES)
                            and re.match(r'[\w-]+\.', token) is not None)


def repo_paths() -> List[str]:
    return sorted({t for t in CODE_SPAN.findall(doc_text()) if is_path(t)})


def dotted_names() -> List[str]:
    return sorted(set(DOTTED.findall(doc_text())))


def top_level_entries() -> Set[str]:
    return {name for name in map(osp.basename, glob.glob(
        osp.join(ROOT, '*'))) if not name.startswith('.')}


def module_file(parts: List[str]) -> Optional[str]:
    """The file of module ``parts`` (a package's ``__init__.py``), or
    None if no such module exists in the repository."""
    base = osp.join(ROOT, PACKAGES[parts[0]], *parts[1:])
    for candidate in (osp.join(base, '__init__.py'), base + '.py'):
        if osp.isfile(candidate):
            return candidate
    return None


@lru_cache(maxsize=None)
def top_level_names(path: str) -> dict:
    """Names a module's top level binds: a class or function to its AST
    node, a name imported from a module of the repository to ``(dotted
    module, name)``, anything else (assignments, other imports) to None."""
    with open(path, encoding='utf-8') as file:
        tree = ast.parse(file.read(), path)
    names = {}
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names[node.name] = node
        elif isinstance(node, ast.ImportFrom):
            source = imported_module(path, node)
            for alias in node.names:
                names[alias.asname or alias.name] = (
                    None if source is None else (source, alias.name))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[(alias.asname or alias.name).split('.')[0]] = None
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = (node.targets if isinstance(node, ast.Assign) else
                       [node.target])
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        names[leaf.id] = None
    return names


def imported_module(path: str, node: ast.ImportFrom) -> Optional[str]:
    """The dotted module a ``from ... import`` in ``path`` reads, if it is
    one of the repository's packages."""
    if node.level:
        package = osp.relpath(osp.dirname(path), ROOT).split(osp.sep)
        for name, folder in PACKAGES.items():
            folder_parts = folder.split('/')
            if package[:len(folder_parts)] == folder_parts:
                package = [name] + package[len(folder_parts):]
                break
        else:
            return None
        base = package[:len(package) - node.level + 1]
        return '.'.join(base + ([node.module] if node.module else []))
    if node.module and node.module.split('.')[0] in PACKAGES:
        return node.module
    return None


def resolves(dotted: str, depth: int = 0) -> bool:
    """Whether ``dotted`` is a module of the repository, optionally followed
    by a name its top level binds (followed through re-exports) and a
    member of that class."""
    parts = dotted.split('.')
    for split in range(len(parts), 0, -1):
        path = module_file(parts[:split])
        if path is None:
            continue
        rest = parts[split:]
        if not rest:
            return True
        node = top_level_names(path).get(rest[0], False)
        if node is False or len(rest) > 2:
            return False
        if isinstance(node, tuple):  # re-exported: look where it is defined
            source, name = node
            return depth < 5 and resolves(
                '.'.join([source, name] + rest[1:]), depth + 1)
        if len(rest) == 1:
            return True
        return isinstance(node, ast.ClassDef) and any(
            getattr(member, 'name', None) == rest[1]
            for member in node.body)
    return False


def registered_names() -> Set[str]:
    """Names of the classes and functions amnsfw registers with a
    decorator (``@FUNCTIONS.register_module()``), as MMEngine's scoped
    names ``amnsfw.<name>`` refer to them."""
    names = set()
    for path in glob.glob(osp.join(ROOT, 'amnsfw', '**', '*.py'),
                          recursive=True):
        for node in top_level_names(path).values():
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and any(
                    'register_module' in ast.dump(d)
                    for d in node.decorator_list):
                names.add(node.name)
    return names


def library_files() -> List[str]:
    """The Python files of amnsfw and of the first-party plugins."""
    return sorted(
        path for folder in PACKAGES.values()
        for path in glob.glob(osp.join(ROOT, folder, '**', '*.py'),
                              recursive=True))


def class_members(node: ast.ClassDef) -> Set[str]:
    """What a class defines: its body's names and its ``self.x``
    attributes."""
    members = set()
    for child in ast.walk(node):
        if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
            members.add(child.name)
        elif isinstance(child, ast.Attribute) and isinstance(
                child.ctx, ast.Store) and isinstance(
                    child.value, ast.Name) and child.value.id == 'self':
            members.add(child.attr)
        elif isinstance(child, ast.Name) and isinstance(child.ctx,
                                                        ast.Store):
            members.add(child.id)
    return members


@lru_cache(maxsize=None)
def library_classes() -> dict:
    """Class name -> the members of every library class of that name."""
    classes = {}
    for path in library_files():
        for node in top_level_names(path).values():
            if isinstance(node, ast.ClassDef):
                classes.setdefault(node.name, set()).update(
                    class_members(node))
    return classes


def class_members_named() -> List[str]:
    """``Class.member`` code spans whose class is one of ours (IRRA's,
    RDE's and MMEngine's classes are not checked)."""
    spans = set()
    for token in CODE_SPAN.findall(doc_text()):
        match = re.fullmatch(r'([A-Z]\w*)\.(\w+)', token)
        if match and match.group(1) in library_classes():
            spans.add(token)
    return sorted(spans)


def test_the_doc_names_paths_and_modules():
    # Guards against a parser that silently finds nothing.
    assert len(repo_paths()) > 40
    assert len(dotted_names()) > 5
    assert len(class_members_named()) > 10


@pytest.mark.parametrize('path', repo_paths())
def test_named_path_exists(path):
    first = path.split('/')[0]
    if first in FOREIGN_ROOTS:
        return  # IRRA's or RDE's file, a data file or a metric name
    assert first in top_level_entries(), (
        f'docs/architecture.md names {path!r}, whose first segment is '
        'neither a top-level entry of the repository nor one of '
        f'FOREIGN_ROOTS {sorted(FOREIGN_ROOTS)}')
    found = glob.glob(osp.join(ROOT, path.rstrip('/')))
    assert found, f'docs/architecture.md names {path!r}, which does not exist'


def test_linked_files_exist():
    for target in LINK.findall(doc_text()):
        target = target.split('#')[0]
        if not target or '://' in target:
            continue
        assert osp.exists(osp.join(ROOT, 'docs', target)), (
            f'docs/architecture.md links to {target!r}, which does not '
            'exist')


@pytest.mark.parametrize('dotted', dotted_names())
def test_named_module_exists(dotted):
    if resolves(dotted):
        return
    parts = dotted.split('.')
    # MMEngine's scoped name of a registered function, e.g. the collate
    # function a config names as 'amnsfw.collate_person_search'.
    assert len(parts) == 2 and parts[1] in registered_names(), (
        f'docs/architecture.md names {dotted!r}: no such module, or the '
        'module does not define that name')


@pytest.mark.parametrize('name', class_members_named())
def test_named_class_member_exists(name):
    cls, member = name.split('.')
    assert member in library_classes()[cls], (
        f'docs/architecture.md names {name!r}, but no class {cls} of '
        f'amnsfw or its plugins defines {member!r}')
