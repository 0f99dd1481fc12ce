"""Read a motion file's raw fields into a dict, safely, whatever the container (npz/.smpl, pkl, pt).

Nothing here executes code from the file: npz is read with ``allow_pickle=False``, ``.pt`` with
``torch.load(weights_only=True)``, and pickles with an unpickler that only rebuilds numpy arrays and
plain Python containers (AIST++ ``.pkl`` files are dicts of arrays).
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from unimo.data.importers.common import MotionFormatError

NPZ_SUFFIXES = (".npz", ".smpl")
PICKLE_SUFFIXES = (".pkl", ".pickle")
TORCH_SUFFIXES = (".pt", ".pth")
# (module, name) pairs a motion pickle may reference: numpy array reconstruction only.
_SAFE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _SAFE_GLOBALS or (module == "numpy" and name.endswith("DType")) or (
                module.startswith("numpy.dtypes")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} (only numpy arrays are allowed)")


def read_container(path: str | Path) -> dict[str, Any]:
    """Return the top-level fields of a motion file as a dict (arrays, nested dicts, scalars)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such motion file")
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        data = _read_pickle(path)
    elif suffix in TORCH_SUFFIXES:
        data = _read_torch(path)
    elif suffix in NPZ_SUFFIXES or zipfile.is_zipfile(path):
        data = _read_npz(path)
    else:
        raise MotionFormatError(f"{path}: unknown motion file type {suffix!r}; expected one of "
                                f"{', '.join(NPZ_SUFFIXES + PICKLE_SUFFIXES + TORCH_SUFFIXES)}")
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise MotionFormatError(f"{path}: expected a dict of fields at the top level, got {kind}")
    return data


def _read_npz(path: Path) -> dict[str, Any]:
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise MotionFormatError(f"{path}: not a readable npz archive ({err})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise MotionFormatError(f"{path}: holds a single array, expected an npz archive of named fields")
    data = {}
    with archive:
        for key in archive.files:
            try:
                data[key] = archive[key]
            except ValueError:  # numpy refuses object arrays without allow_pickle
                raise MotionFormatError(f"{path}: field {key!r}: is an object array (pickled Python "
                                        "objects); expected numbers or strings") from None
    return data


def _read_pickle(path: Path) -> Any:
    with path.open("rb") as handle:
        try:
            return _ArrayUnpickler(handle, encoding="latin1").load()
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError) as err:
            raise MotionFormatError(f"{path}: unreadable pickle ({err})") from None


def _numpy_globals() -> list[Any]:
    """Numpy array reconstruction, allowed in ``weights_only`` loads (results files often hold arrays)."""
    from numpy._core import multiarray  # numpy >= 2 (mannequin-x needs numpy 2)

    dtypes = [getattr(np.dtypes, name) for name in dir(np.dtypes) if name.endswith("DType")]
    return [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype, *dtypes]


def _read_torch(path: Path) -> Any:
    try:
        with torch.serialization.safe_globals(_numpy_globals()):
            return torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as err:
        raise MotionFormatError(f"{path}: unreadable torch file ({err})") from None
