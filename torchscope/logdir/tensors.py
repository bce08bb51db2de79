"""``TensorProto`` -> numpy array, for every encoding TensorBoard's writers use.

A tensor carries its data either as raw little-endian bytes (``tensor_content``) or in the typed
repeated field of its dtype (``float_val``, ``int_val``, ...). A typed field holding exactly one
element while the shape asks for more means "fill the whole tensor with it". Strings come back
as an object array of ``bytes``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

# DataType number -> (numpy dtype of tensor_content, name of the typed field).
_NUMERIC: dict[int, tuple[str, str]] = {
    1: ("<f4", "float_val"),  # DT_FLOAT
    2: ("<f8", "double_val"),  # DT_DOUBLE
    3: ("<i4", "int_val"),  # DT_INT32
    4: ("u1", "int_val"),  # DT_UINT8
    5: ("<i2", "int_val"),  # DT_INT16
    6: ("i1", "int_val"),  # DT_INT8
    9: ("<i8", "int64_val"),  # DT_INT64
    10: ("?", "bool_val"),  # DT_BOOL
    17: ("<u2", "int_val"),  # DT_UINT16
    22: ("<u4", "uint32_val"),  # DT_UINT32
    23: ("<u8", "uint64_val"),  # DT_UINT64
}
_DT_STRING = 7
_DT_BFLOAT16 = 14
_DT_HALF = 19


def tensor_shape(tensor: Any) -> tuple[int, ...]:
    """The tensor's dimensions (``()`` for a scalar)."""
    return tuple(int(dim.size) for dim in tensor.tensor_shape.dim)


def tensor_to_numpy(tensor: Any) -> npt.NDArray[Any]:
    """Decode a ``TensorProto`` message into a numpy array of its shape.

    Raises ``ValueError`` for a dtype torchscope does not read (complex, resource, variant).
    """
    shape = tensor_shape(tensor)
    dtype = int(tensor.dtype)
    count = int(np.prod(shape)) if shape else 1
    if dtype == _DT_STRING:
        strings = np.empty(len(tensor.string_val), dtype=object)
        strings[:] = list(tensor.string_val)
        return _shaped(strings, shape, count)
    if dtype in (_DT_HALF, _DT_BFLOAT16):
        return _shaped(_half_like(tensor, dtype), shape, count)
    if dtype not in _NUMERIC:
        raise ValueError(f"tensor dtype {dtype} is not supported")
    content_dtype, field = _NUMERIC[dtype]
    if tensor.tensor_content:
        flat = np.frombuffer(tensor.tensor_content, dtype=content_dtype)
    else:
        flat = np.asarray(list(getattr(tensor, field)), dtype=content_dtype)
    return _shaped(flat, shape, count)


def _half_like(tensor: Any, dtype: int) -> npt.NDArray[Any]:
    if dtype == _DT_HALF:
        if tensor.tensor_content:
            return np.frombuffer(tensor.tensor_content, dtype="<f2").astype(np.float32)
        bits = np.asarray(list(tensor.half_val), dtype=np.uint16)
        return bits.view(np.float16).astype(np.float32)
    # bfloat16 is the top half of a float32.
    if tensor.tensor_content:
        bits = np.frombuffer(tensor.tensor_content, dtype="<u2")
    else:
        bits = np.asarray(list(tensor.half_val), dtype=np.uint16)
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _shaped(flat: npt.NDArray[Any], shape: tuple[int, ...], count: int) -> npt.NDArray[Any]:
    if flat.size == count:
        return flat.reshape(shape)
    if flat.size == 1:
        return np.full(shape, flat[0], dtype=flat.dtype)
    if flat.size == 0 and count == 0:
        return flat.reshape(shape)
    raise ValueError(f"tensor holds {flat.size} elements but its shape {shape} needs {count}")
