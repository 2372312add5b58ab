"""Loaders write a row step's batches into its table by the step's mode.

The generic loader works on every database through the driver's executemany;
faster ones (COPY, a database's own CSV reader…) register through the
`register_loaders()` hook and are chosen when they accept the target and step.
"""

from seedkit.loaders.base import Loader

__all__ = ["Loader"]
