"""Helper package for the "Leaving Mali" notebook module on MINUSMA's withdrawal.

Everything that is not the lesson itself lives here: loading and checking the
datasets (:mod:`minusma.data`), the course's plot style (:mod:`minusma.plots`),
question widgets, the answer store, hand-in and grading.
"""

__version__ = "0.1.0"
