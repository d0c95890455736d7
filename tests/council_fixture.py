"""The 2023 Security Council as the engine's unit tests use it: permanent members first.

Written out here (not read from ``data/``) so that the tests of the question
engine do not depend on the course's datasets.
"""

MEMBERS = [
    "China",
    "France",
    "Russian Federation",
    "United Kingdom",
    "United States",
    "Albania",
    "Brazil",
    "Ecuador",
    "Gabon",
    "Ghana",
    "Japan",
    "Malta",
    "Mozambique",
    "Switzerland",
    "United Arab Emirates",
]
PERMANENT = MEMBERS[:5]
