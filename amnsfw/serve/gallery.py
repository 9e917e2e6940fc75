"""The images a search server ranks: a folder's, or a split's with its
person ids and captions."""
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from mmengine.config import Config

from amnsfw.registry import DATASETS

#: Files of a gallery folder that are indexed (case-insensitive).
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


@dataclass(frozen=True)
class SplitCaption:
    """One caption of a split, which the split uses as a query.

    Args:
        index (int): Its index among the split's queries.
        text (str): The caption.
        pid (int): Person id of the image it describes.
        image_index (int): Gallery index of that image.
    """

    index: int
    text: str
    pid: int
    image_index: int


@dataclass(frozen=True)
class Gallery:
    """The images a server indexes and may serve, nothing else.

    Args:
        description (str): What the gallery is, for people
            (``'folder photos/'``, ``'split test of data/SynthPEDES'``).
        root (str): Folder the images lie under; names are relative to it.
        paths (tuple[str, ...]): Image files, in gallery order.
        pids (tuple[int, ...], optional): Person id of each image, where
            known (a split). Defaults to None.
        captions (tuple[SplitCaption, ...]): The split's captions, in query
            order; empty for a folder. Defaults to ().
    """

    description: str
    root: str
    paths: Tuple[str, ...]
    pids: Optional[Tuple[int, ...]] = None
    captions: Tuple[SplitCaption, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.paths)

    def name(self, index: int) -> str:
        """Image ``index``'s path relative to :attr:`root`."""
        return osp.relpath(self.paths[index], self.root)

    def captions_of(self, index: int) -> List[SplitCaption]:
        """The captions of image ``index`` (none for a folder)."""
        return [c for c in self.captions if c.image_index == index]


def list_images(folder: str) -> List[str]:
    """Image files under ``folder``, recursively, in sorted order.

    Raises:
        FileNotFoundError: The folder is missing or holds no image.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'gallery folder not found: {folder}')
    paths = sorted(
        osp.join(directory, name)
        for directory, _, names in os.walk(folder) for name in names
        if name.lower().endswith(IMAGE_EXTENSIONS))
    if not paths:
        raise FileNotFoundError(
            f'gallery folder {folder} holds no image (looked for '
            f'{", ".join(IMAGE_EXTENSIONS)} files)')
    return paths


def gallery_from_dir(folder: str) -> Gallery:
    """Every image under ``folder`` (:func:`list_images`).

    Raises:
        FileNotFoundError: The folder is missing or holds no image.
    """
    return Gallery(description=f'folder {folder}', root=osp.abspath(folder),
                   paths=tuple(osp.abspath(p) for p in list_images(folder)))


def gallery_from_split(cfg: Config, split: str,
                       data_root: Optional[str] = None) -> Gallery:
    """The gallery images, person ids and captions of a split of the
    config's test data set (``test_dataloader.dataset`` with ``split``).

    Args:
        cfg (Config): A config with ``test_dataloader.dataset``.
        split (str): ``'val'`` or ``'test'``.
        data_root (str, optional): The data set's folder instead of the
            config's. Defaults to None.
    """
    dataset_cfg = cfg.test_dataloader.dataset.copy()
    dataset_cfg.split = split
    if data_root:
        dataset_cfg.data_root = data_root
    dataset = DATASETS.build(dataset_cfg)
    num_gallery = dataset.metainfo['num_gallery']
    images = [dataset.get_data_info(i) for i in range(num_gallery)]
    records = [r for r in dataset.load_records() if r.split == split]
    captions = [(image_index, text) for image_index, record in
                enumerate(records) for text in record.captions]
    return Gallery(
        description=f'split {split} of {dataset.data_root}',
        root=osp.abspath(dataset.data_root),
        paths=tuple(osp.abspath(image['img_path']) for image in images),
        pids=tuple(int(image['pid']) for image in images),
        captions=tuple(
            SplitCaption(index=index, text=text,
                         pid=int(images[image_index]['pid']),
                         image_index=image_index)
            for index, (image_index, text) in enumerate(captions)))
