"""The exact distribution of a sum of independent Bernoulli trials with unequal probabilities.

``pmf(probs)[k]`` is P(exactly k successes). Small inputs use the textbook recursion
(``pmf_dp``: one trial at a time, O(n²)). Larger ones run the same recursion on chunks of 8
trials side by side, then multiply the chunks' generating polynomials through one batched FFT
(the transform of a convolution is the product of the transforms; a length above ``n``
leaves no wrap-around), a handful of numpy calls in all. Both are exact up to floating-point
rounding; the result is clipped at 0 and renormalised.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
DP_BELOW = 16
CHUNK = 8


def pmf_dp(probs: npt.ArrayLike) -> Floats:
    p = np.asarray(probs, dtype=np.float64)
    out = np.zeros(len(p) + 1)
    out[0] = 1.0
    for i, pi in enumerate(p):
        out[1 : i + 2] = out[1 : i + 2] * (1.0 - pi) + out[: i + 1] * pi
        out[0] *= 1.0 - pi
    return out


def pmf(probs: npt.ArrayLike) -> Floats:
    p = np.clip(np.asarray(probs, dtype=np.float64), 0.0, 1.0)
    n = len(p)
    if n < DP_BELOW:
        return pmf_dp(p)
    chunks = -(-n // CHUNK)
    padded = np.zeros(chunks * CHUNK)  # padding trials never succeed
    padded[:n] = p
    trials = padded.reshape(chunks, CHUNK)
    parts = np.zeros((chunks, CHUNK + 1))
    parts[:, 0] = 1.0
    for j in range(CHUNK):  # the recursion, for every chunk at once
        col = trials[:, j : j + 1]
        parts[:, 1 : j + 2] = parts[:, 1 : j + 2] * (1.0 - col) + parts[:, : j + 1] * col
        parts[:, :1] *= 1.0 - col
    width = 1 << n.bit_length()  # a power of two >= n + 1: fast, and no wrap-around
    spectrum = np.prod(np.fft.rfft(parts, width, axis=1), axis=0)
    out = np.clip(np.fft.irfft(spectrum, width)[: n + 1], 0.0, None)
    return np.asarray(out / out.sum(), dtype=np.float64)
