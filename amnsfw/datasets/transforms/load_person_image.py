"""Load an item's image, failing with a message that names the item."""
from typing import Any, Dict, Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.fileio import get

from amnsfw.errors import InputError
from amnsfw.registry import TRANSFORMS


class ImageLoadError(InputError, OSError):
    """An item's image file is missing, empty or cannot be decoded.

    Args:
        message (str): What went wrong, naming the file and the item.
        path (str, optional): The image file. Defaults to None.
        index (int, optional): The item's ``index``. Defaults to None.
        pid (int, optional): The item's person id. Defaults to None.
        reason (str, optional): What is wrong with the file, without the
            item (``'file not found'``...). Defaults to None.
    """

    def __init__(self, message: str, path: Optional[str] = None,
                 index: Optional[int] = None,
                 pid: Optional[int] = None,
                 reason: Optional[str] = None) -> None:
        super().__init__(message)
        self.path = path
        self.index = index
        self.pid = pid
        self.reason = reason


@TRANSFORMS.register_module()
class LoadPersonImage(BaseTransform):
    """Read ``img_path`` into ``img`` (HWC ``uint8``, BGR), as mmcv's
    ``LoadImageFromFile`` does, but raise :class:`ImageLoadError` naming the
    file, the item's ``index`` and ``pid`` for a missing, empty or corrupt
    file (mmcv's loader reports a bare path, or a ``None`` image, or nothing).

    Adds ``img``, ``img_shape`` and ``ori_shape`` (height, width).

    Args:
        imdecode_backend (str): Backend of ``mmcv.imfrombytes``.
            Defaults to ``'cv2'``.
        backend_args (dict, optional): File backend arguments of
            ``mmengine.fileio.get``. Defaults to None (local files).
    """

    def __init__(self, imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None) -> None:
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        path = results['img_path']
        index, pid = results.get('index'), results.get('pid')

        def fail(reason: str, cause: Optional[BaseException] = None):
            error = ImageLoadError(
                f'cannot load image {path!r} of item index={index}, '
                f'pid={pid}: {reason}', path=path, index=index, pid=pid,
                reason=reason)
            raise error from cause

        try:
            content = get(path, backend_args=self.backend_args)
        except FileNotFoundError as error:
            fail('file not found', error)
        except OSError as error:
            fail(f'cannot read the file ({error})', error)
        if not content:
            fail('the file is empty (0 bytes)')
        try:
            img = mmcv.imfrombytes(content, flag='color',
                                   backend=self.imdecode_backend)
        except Exception as error:  # decoders raise many kinds
            fail(f'not a decodable image ({type(error).__name__}: {error})',
                 error)
        if not isinstance(img, np.ndarray) or img.size == 0:
            fail(f'not a decodable image ({len(content)} bytes that the '
                 f'{self.imdecode_backend!r} backend cannot decode)')
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(imdecode_backend='
                f'{self.imdecode_backend!r}, '
                f'backend_args={self.backend_args!r})')
