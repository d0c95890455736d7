"""Every course widget names its kernel, so the page can say when that kernel is gone (``minusma.ui``).

The watcher itself runs in the browser: ``tests/test_engine_browser.py``
shuts a kernel down under an open notebook and checks its boxes say so.
"""

from __future__ import annotations

import ipykernel
import ipywidgets as widgets
import pytest

from minusma import ui


@pytest.fixture
def kernel_file(monkeypatch):
    def use(name):
        monkeypatch.setattr(ipykernel, "get_connection_file", lambda: f"/run/user/1000/jupyter/runtime/{name}")

    return use


def test_a_jupyter_kernel_is_named_by_its_id(kernel_file):
    kernel_file("kernel-4f2a9c1e-0b7d-4e55-9a61-2d3c4b5a6f70.json")
    assert ui.kernel_class() == "minusma-kernel-4f2a9c1e-0b7d-4e55-9a61-2d3c4b5a6f70"
    box = widgets.VBox()
    ui.mark_kernel(box)
    assert "minusma-kernel-4f2a9c1e-0b7d-4e55-9a61-2d3c4b5a6f70" in box._dom_classes


@pytest.mark.parametrize("name", ["kernel.json", "kernel-x.json", "kernel-<script>.json", "other-1234abcd.json"])
def test_other_connection_files_give_no_class(kernel_file, name):
    kernel_file(name)
    assert ui.kernel_class() is None
    box = widgets.VBox()
    ui.mark_kernel(box)
    assert not any(c.startswith("minusma-kernel-") for c in box._dom_classes)


def test_outside_a_kernel_nothing_is_marked():
    assert ui.kernel_class() is None  # pytest runs no kernel


def test_the_watcher_only_judges_kernels_it_saw_alive_and_says_how_to_recover():
    script = ui.KERNEL_WATCH
    assert "state.seen[id]" in script and "failures[id] >= 2" in script
    assert "jupyter-widgets-disconnected" in script and "data-minusma-lost" in script
    assert "Reload the page" in ui._CSS
