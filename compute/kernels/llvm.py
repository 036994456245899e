"""The two LLVM-level tools the kernels use, each with a plain Python fallback.

Compiled, :func:`lane_buffer` is a buffer in the calling function's stack frame and
:func:`prefetch` a cache hint; under ``NUMBA_DISABLE_JIT=1`` (debugging, coverage) the
same calls run as plain Python with the same results: a numpy array, and nothing.
"""

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

import numba

#: Columns of ``P`` are padded to a multiple of this many classes: one lane group.
LANES = 16
#: Classes handled in one pass over a row when there are many (four lane groups).
WIDE_LANES = 4 * LANES


def lane_buffer(dtype):
    """``LANES`` scratch values of ``dtype`` for one lane-group loop (uninitialised).

    Fixed-length loops over such a buffer compile to whole SIMD registers: LLVM knows
    it aliases no array. A heap scratch array would be reloaded and stored on every
    non-zero for fear of aliasing (measured: 2.6x slower).
    """
    return np.empty(LANES, dtype)


def wide_buffer(dtype):
    """Like :func:`lane_buffer`, ``WIDE_LANES`` values."""
    return np.empty(WIDE_LANES, dtype)


def prefetch(array, index):
    """Hint the CPU to bring ``array[index]`` into the second-level cache (no effect on results)."""


def _stack_alloca(size):
    """An intrinsic: ``size`` values in the stack frame of the function being compiled.

    The overloads below are inlined at numba's level, so that frame is the caller's of
    lane_buffer (never return the buffer).
    """
    @intrinsic
    def alloca(typingctx, dtype):
        def codegen(context, builder, signature, args):
            return cgutils.alloca_once(builder, context.get_value_type(dtype.dtype), size=size)
        return types.CPointer(dtype.dtype)(dtype), codegen
    return alloca


_alloca_lanes = _stack_alloca(LANES)
_alloca_wide = _stack_alloca(WIDE_LANES)


@overload(lane_buffer, inline="always")
def _lane_buffer_compiled(dtype):
    return lambda dtype: numba.carray(_alloca_lanes(dtype), (LANES,))


@overload(wide_buffer, inline="always")
def _wide_buffer_compiled(dtype):
    return lambda dtype: numba.carray(_alloca_wide(dtype), (WIDE_LANES,))


@intrinsic
def _prefetch_l2(typingctx, array, index):
    # ``llvm.prefetch`` with locality 2 (``prefetcht1``), not 3: prefetching rows into the
    # first-level cache evicted the parameters that every row reads (measured: a
    # mini-batch epoch 15-20% slower, in order or shuffled).
    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, [args[1]])
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [cgutils.voidptr_t, i32, i32, i32]),
            "llvm.prefetch.p0")
        builder.call(function, [builder.bitcast(pointer, cgutils.voidptr_t), i32(0), i32(2), i32(1)])
        return context.get_dummy_value()
    return types.none(array, types.intp), codegen


@overload(prefetch, inline="always")
def _prefetch_compiled(array, index):
    return lambda array, index: _prefetch_l2(array, index)
