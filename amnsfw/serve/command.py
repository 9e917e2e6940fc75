"""``amnsfw serve``: index a gallery with a model and serve the search page.

Usage::

    amnsfw serve (CONFIG CHECKPOINT | ZOO_ENTRY)
        (--gallery-dir DIR | --split {val,test} [--data-root R])
        [--host 127.0.0.1] [--port 8000] [--device cpu] [--batch-size 64]
"""
import argparse
import sys

import uvicorn

from amnsfw.datasets import AnnotationError
from .app import create_app
from .gallery import gallery_from_dir, gallery_from_split
from .load_searcher import load_searcher
from .search_service import SearchService

#: Loopback only, unless the user names another address.
DEFAULT_HOST = '127.0.0.1'
DEFAULT_PORT = 8000


def add_serve_command(commands: argparse._SubParsersAction) -> None:
    """Add the ``serve`` subcommand to the ``amnsfw`` command's parser."""
    parser = commands.add_parser(
        'serve', help='index a gallery with a model and serve a search '
        'page (text box, ranked images) and its JSON API',
        description='Index a gallery with a trained checkpoint or a model '
        'zoo entry, then serve a search page and a JSON API '
        '(POST /search; OpenAPI at /docs).')
    parser.add_argument(
        'model', help='experiment config file, or a model zoo entry '
        '(amnsfw zoo) for zero-shot search')
    parser.add_argument(
        'checkpoint', nargs='?', help='trained checkpoint of the config '
        '(none with a zoo entry)')
    gallery = parser.add_mutually_exclusive_group(required=True)
    gallery.add_argument('--gallery-dir', metavar='DIR',
                         help='index every image under this folder')
    gallery.add_argument(
        '--split', choices=('val', 'test'),
        help="index the gallery of this split of the config's data set "
        '(a zoo entry reads data/SynthPEDES); hits are then marked '
        'relevant for split captions')
    parser.add_argument('--data-root', metavar='R',
                        help="with --split: the data set's folder instead "
                        "of the config's")
    parser.add_argument('--host', default=DEFAULT_HOST,
                        help=f'address to bind (default: {DEFAULT_HOST}, '
                        'this machine only)')
    parser.add_argument('--port', type=int, default=DEFAULT_PORT,
                        help=f'port (default: {DEFAULT_PORT}; 0 picks a '
                        'free one)')
    parser.add_argument('--device', default='cpu',
                        help="device of the model, e.g. 'cuda' "
                        '(default: cpu)')
    parser.add_argument('--batch-size', type=int, default=64,
                        help='images encoded at a time (default: 64)')
    parser.set_defaults(run=run_serve)


def check_serve_args(args: argparse.Namespace) -> None:
    """Refuse option combinations and values argparse cannot.

    Raises:
        ValueError: Naming the option and the value received.
    """
    if args.data_root and not args.split:
        raise ValueError('--data-root needs --split')
    if not 0 <= args.port <= 65535:
        raise ValueError(f'--port must be in [0, 65535], got {args.port}')
    if args.batch_size < 1:
        raise ValueError('--batch-size must be a positive integer, got '
                         f'{args.batch_size}')


def build_service(args: argparse.Namespace) -> SearchService:
    """Check the arguments, load the model and index the gallery
    (progress on stderr)."""
    check_serve_args(args)
    # A folder is checked before the model loads; a split needs its config.
    gallery = gallery_from_dir(args.gallery_dir) if args.gallery_dir else None
    searcher, description = load_searcher(args.model, args.checkpoint,
                                          args.device)
    if gallery is None:
        gallery = gallery_from_split(searcher.cfg, args.split, args.data_root)
    print(f'indexing {len(gallery)} images ({gallery.description}) with '
          f'{description}', file=sys.stderr)
    return SearchService(searcher, gallery, description,
                         batch_size=args.batch_size)


def run_serve(args: argparse.Namespace) -> int:
    """Build the service and serve it until interrupted; 2 when an input
    is missing or invalid."""
    try:
        service = build_service(args)
    except (OSError, ValueError, AnnotationError) as error:
        print(f'amnsfw serve: error: {error}', file=sys.stderr)
        return 2
    if args.port:
        print(f'search page: http://{args.host}:{args.port}/  (API: '
              f'http://{args.host}:{args.port}/docs)', file=sys.stderr)
    uvicorn.run(create_app(service), host=args.host, port=args.port)
    return 0
