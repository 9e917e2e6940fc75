"""The ``amnsfw`` command: inspect plugins, components and the model zoo;
start a plugin; serve a search page."""
import argparse
import sys
from typing import List, Optional

from amnsfw.cli_errors import (INPUT_ERROR_STATUS, add_debug_argument,
                               run_tool)
from amnsfw.model_zoo import entry_table
from amnsfw.plugin_template import KINDS, generate_plugin
from amnsfw.registry import (KIND_ALIASES, REGISTRIES, component_owners,
                             load_plugins)
from amnsfw.serve.command import add_serve_command


def _list_plugins(args: argparse.Namespace) -> int:
    host = load_plugins()
    for plugin in host.plugins.values():
        print(f'{plugin.name}  distribution={plugin.distribution}  '
              f'version={plugin.version}  api={plugin.api_version or "?"}')
        if plugin.error:
            print(f'    FAILED: {plugin.error}')
        for kind, names in sorted(plugin.components.items()):
            print(f'    {kind}: {", ".join(names)}')
    return 0


def _list_components(args: argparse.Namespace) -> int:
    owners = component_owners()
    kinds = ([KIND_ALIASES.get(args.kind, args.kind)] if args.kind else
             sorted(REGISTRIES))
    for kind in kinds:
        registry = REGISTRIES[kind]
        print(f'{kind}:')
        for name in sorted(registry.module_dict):
            owner = owners.get((kind, name), '?')
            print(f'    {name}  [{owner}]')
    return 0


def _list_zoo(args: argparse.Namespace) -> int:
    print(entry_table() or 'no model zoo entries')
    return 0


def _new_plugin(args: argparse.Namespace) -> int:
    try:
        root = generate_plugin(args.name, args.kind, args.dest, args.configs)
    except (ValueError, OSError) as error:
        print(f'amnsfw new-plugin: error: {error}', file=sys.stderr)
        return INPUT_ERROR_STATUS
    print(f'wrote {root}; install it with: pip install -e {root}')
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``amnsfw`` command."""
    parser = argparse.ArgumentParser(
        prog='amnsfw',
        description='Inspect amnsfw plugins and registered components; '
        'start a new plugin; serve a search page.')
    add_debug_argument(parser)
    commands = parser.add_subparsers(dest='command', required=True)
    plugins = commands.add_parser(
        'plugins', help='list loaded plugins, their versions and components')
    plugins.set_defaults(run=_list_plugins)
    components = commands.add_parser(
        'components', help='list registered components by kind')
    components.add_argument(
        'kind', nargs='?', choices=sorted([*REGISTRIES, *KIND_ALIASES]),
        help='only this kind of component')
    components.set_defaults(run=_list_components)
    zoo = commands.add_parser(
        'zoo', help='list the model zoo entries (amnsfw\'s and plugins\')')
    zoo.set_defaults(run=_list_zoo)
    new_plugin = commands.add_parser(
        'new-plugin',
        help='write an installable plugin package amnsfw-NAME with one '
        'example component, its test, a config and a README')
    new_plugin.add_argument(
        'name', help='plugin name: lower-case letters, digits, - or _')
    new_plugin.add_argument(
        '--kind', choices=KINDS, default='masker',
        help='kind of the example component (default: masker)')
    new_plugin.add_argument(
        '--dest', default='.',
        help='folder to write amnsfw-NAME/ into (default: .)')
    new_plugin.add_argument(
        '--configs', default=None,
        help="amnsfw's configs folder, which the generated config inherits "
        'from by absolute path (default: the configs/ folder of the '
        'checkout amnsfw is installed from)')
    new_plugin.set_defaults(run=_new_plugin)
    add_serve_command(commands)
    return parser


def run(argv: List[str]) -> int:
    """Parse ``argv`` and run the subcommand it names."""
    args = build_parser().parse_args(argv)
    return args.run(args)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the ``amnsfw`` command with ``argv`` (default: ``sys.argv``): an
    input error ends in one line on stderr and status 2 (``--debug``: its
    traceback)."""
    return run_tool(run, argv, prog='amnsfw')


if __name__ == '__main__':
    sys.exit(main())
