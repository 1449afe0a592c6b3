"""Reading the ``.npz`` files of Keras's text datasets without running code from them.

IMDB and Reuters store their reviews as ragged arrays (``dtype=object``: one Python list of word
indices per text), which numpy can only store pickled. ``np.load(allow_pickle=True)`` would let a
tampered file run any code while it loads; here numeric arrays are read with pickling off, and an
object array is unpickled by an unpickler that builds numpy arrays and plain Python values only.
"""

import io
import pickle
import struct
import zipfile

import numpy as np

#: The only classes an object array's pickle needs: the array, its dtype and numpy's rebuild helper
#: (under numpy 2's module name and numpy 1's).
_ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"),
            ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct")}


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: a dataset file holds arrays and lists only"
            )
        return super().find_class(module, name)


def _read_array(stream):
    """One ``.npy`` member: numeric arrays directly, object arrays through ``_ArraysOnly``."""
    major, _ = np.lib.format.read_magic(stream)
    read_header = (np.lib.format.read_array_header_1_0 if major == 1
                   else np.lib.format.read_array_header_2_0)
    _, _, dtype = read_header(stream)
    if not dtype.hasobject:
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    return _ArraysOnly(stream).load()


def load_npz(path):
    """``{name: array}`` of the ``.npz`` file at ``path``; a ValueError naming it when it is not a
    valid one (corrupt, truncated, or holding anything but arrays and lists)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return {member[:-len(".npy")]: _read_array(io.BytesIO(archive.read(member)))
                    for member in archive.namelist() if member.endswith(".npy")}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError, TypeError,
            KeyError, IndexError, AttributeError, struct.error) as error:  # what damage can raise
        raise ValueError(f"{path} is not a valid dataset file (corrupt or truncated): {error}") from None
