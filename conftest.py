"""Test-session set-up shared by unit tests and notebook (nbval) runs.

Students' answers must never land in the working copy during tests, so the
whole session, kernels included (they inherit the environment), writes to a
temporary work folder.
"""

import os
import shutil
import tempfile

_work = tempfile.mkdtemp(prefix="minusma-test-work-")
os.environ["MINUSMA_WORK_DIR"] = _work
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_unconfigure(config):
    shutil.rmtree(_work, ignore_errors=True)
