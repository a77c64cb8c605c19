"""Compiled kernels (Numba, ``nogil``): the only place hot loops live.

``sampling`` turns a job of sentences into training examples (subsampling, dynamic
window, negatives); each loss module (``sgns``, ...) turns examples into updates.
Python code elsewhere only orchestrates them.
"""
