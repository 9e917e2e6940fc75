"""A gallery's search index kept in a folder between runs: embedded once,
grown by the images new to the gallery, refused when another model made
it."""
import json
import os.path as osp
from typing import List, Sequence, Tuple

from .text_image_search import TextImageSearcher

#: The file of an index folder that lists its images in index order.
GALLERY_FILE = 'gallery.json'


def update_kept_index(searcher: TextImageSearcher, directory: str,
                      paths: Sequence[str],
                      batch_size: int) -> Tuple[List[str], int]:
    """Load the index kept in ``directory`` if there is one, add the
    gallery images it lacks and save it back.

    Args:
        searcher (TextImageSearcher): The model; its index is replaced.
        directory (str): The index folder (created when new).
        paths (Sequence[str]): The gallery's images.
        batch_size (int): Images encoded at a time.

    Returns:
        tuple: The indexed image paths in index order, and how many were
        added.

    Raises:
        ValueError: The kept index holds images the gallery lacks.
        StaleIndexError: Another model made the kept index.
    """
    listing = osp.join(directory, GALLERY_FILE)
    indexed: List[str] = []
    if osp.isfile(listing):
        searcher.load_index(directory)
        with open(listing, encoding='utf-8') as file:
            indexed = json.load(file)['paths']
        gone = sorted(set(indexed) - set(paths))
        if gone:
            raise ValueError(
                f'the index in {directory} holds {len(gone)} images that '
                f'are not in this gallery, e.g. {gone[0]}; delete '
                f'{directory} to rebuild it')
    known = set(indexed)
    new = [path for path in paths if path not in known]
    if new:
        searcher.add(new, batch_size=batch_size)
        indexed += new
        searcher.save_index(directory)
        with open(listing, 'w', encoding='utf-8') as file:
            json.dump(dict(paths=indexed), file, indent=1)
    return indexed, len(new)
