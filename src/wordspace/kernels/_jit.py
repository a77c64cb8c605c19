"""The one decorator every kernel uses.

Kernels are compiled once per process and cached on disk, so a second run starts in
about a second. Numba refuses to cache when neither the package folder nor the user
cache folder is writable (a read-only install); then we compile without a cache.
"""

from __future__ import annotations

import numba
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_OPTIONS = dict(nogil=True, fastmath=True, error_model="numpy", boundscheck=False)


def kernel(func=None, *, inline: bool = False):
    """``numba.njit`` with wordspace's options, cached on disk when possible.

    ``inline=True`` is for small helpers called from other kernels: Numba then inlines
    them into the caller, where LLVM can vectorise across the call.
    """
    if func is None:
        return lambda f: kernel(f, inline=inline)
    options = dict(_OPTIONS, inline="always") if inline else _OPTIONS
    try:
        return numba.njit(cache=True, **options)(func)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(cache=False, **options)(func)


@intrinsic
def prefetch_row(typingctx, matrix, row):
    """Ask the CPU to start loading row ``row`` of a C-contiguous 2-D array into cache.

    Training touches a dozen random rows per centre word; issuing the next example's
    loads while the current one computes hides most of their memory latency.
    """
    if not (isinstance(matrix, types.Array) and matrix.ndim == 2
            and isinstance(row, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        row_index = context.cast(builder, args[1], signature.args[1], types.intp)
        stride = builder.extract_value(array.strides, 0)
        width = builder.mul(builder.extract_value(array.shape, 1),
                            context.get_constant(types.intp, context.get_abi_sizeof(
                                context.get_data_type(signature.args[0].dtype))))
        base = builder.ptrtoint(array.data, ir.IntType(64))
        start = builder.add(base, builder.mul(row_index, stride))
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
            "llvm.prefetch.p0")
        # one prefetch per 64-byte cache line of the row
        with cgutils.for_range_slice(builder, context.get_constant(types.intp, 0), width,
                                     context.get_constant(types.intp, 64)) as (offset, _):
            address = builder.inttoptr(builder.add(start, offset), i8p)
            builder.call(fn, [address, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(matrix, row), codegen
