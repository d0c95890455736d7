"""The set-up check shown in 00_start_here, tested without a kernel."""

import pandas as pd

from minusma import environment


def test_pins_are_read_from_requirements():
    pins = environment.pinned_packages()
    for package in ("jupyterlab", "pandas", "matplotlib", "ipywidgets", "filelock"):
        assert package in pins, f"{package} must be pinned in requirements.txt"
    assert "pytest" not in pins, "students' set-up checks what students install, not the test tools"
    assert all(version[0].isdigit() for version in pins.values())


def test_report_passes_in_the_course_environment():
    table = environment.report()
    assert {"found", "expected", "ok"} <= set(table.columns)
    failing = table[~table["ok"]]
    assert failing.empty, f"set-up differs from requirements.txt:\n{failing}"
    assert environment.summary(table).startswith("Everything checks out")


def test_summary_names_what_is_wrong():
    table = pd.DataFrame(
        {"found": ["3.11.7", "2.0"], "expected": ["3.11 or newer", "3.1.1"], "ok": [True, False]},
        index=pd.Index(["Python", "pandas"], name="check"),
    )
    assert "pandas" in environment.summary(table)
    assert "course.py start" in environment.summary(table)


def test_widget_check_slider_updates_its_echo():
    box = environment.widget_check()
    slider, echo, help_text = box.children
    slider.value = 8
    assert echo.value == "You chose 8."
    assert "course.py start" in help_text.value


def test_on_a_jupyterhub_the_summary_asks_for_the_instructor_not_an_install(monkeypatch):
    table = environment.report()
    table.loc["pandas", "ok"] = False
    monkeypatch.setenv("JUPYTERHUB_USER", "amina")
    said = environment.summary(table)
    assert "pandas" in said and "instructor" in said and "course.py start" not in said
