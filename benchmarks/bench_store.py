"""How fast answers are saved, and how big the files get (run on demand).

    python benchmarks/bench_store.py

Prints:

* the median (and 95th percentile) time to save one answer, straight through
  the store and through a widget change (validation + save + status line), with
  the file holding a full notebook of answers (goal: median <= 5 ms);
* the cost of saving a written answer on every keystroke, for a short and a
  very long text (text areas save on each change, so this is what typing costs);
* the size of the answers file and of the hand-in file for a full notebook;
* the browser's click-to-feedback figures, if the browser test has written them
  (``tests/test_engine_browser.py`` measures them inside Chromium; goal <= 200 ms).

Files are written in a scratch folder inside ``benchmarks/results/`` (git-ignored),
on the same disk as the student's ``my-work/``, with the same fsync per save.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the written-out 2023 Council

from council_fixture import MEMBERS  # noqa: E402

from minusma import handin, paths, questions, store  # noqa: E402

RESULTS = paths.REPO_ROOT / "benchmarks" / "results"
ESSAY = (
    "Consent matters because a mission works inside a sovereign state and needs permission to move, fly "
    "and supply its bases. "
) * 6  # about 120 words, the top of 00's word range


def full_notebook(s: store.AnswerStore) -> None:
    """Answers to every question of 00_start_here, as a student would leave them."""
    stamp = "2023-06-30T10:00:00.000Z"
    s.save("00.who_asked", "single_choice", "Mali's transitional government, through its foreign minister")
    s.save(
        "00.res_2690",
        "multiple_choice",
        [
            "It was adopted on 30 June 2023.",
            "All 15 Council members voted for it.",
            "It asked the mission to complete its withdrawal by 31 December 2023.",
        ],
    )
    s.save("00.ceiling_2016", "number", 13289.0)
    s.save(
        "00.timeline",
        "order",
        [
            "Resolution 2100 establishes MINUSMA",
            "Resolution 2295 raises the troop ceiling",
            "Mali's government asks for the mission's withdrawal",
            "Resolution 2690 ends MINUSMA's mandate",
            "The withdrawal is completed",
        ],
    )
    s.save(
        "00.members",
        "classify",
        {
            "China": "permanent",
            "Ghana": "elected",
            "Japan": "elected",
            "Russian Federation": "permanent",
            "Switzerland": "elected",
            "United Kingdom": "permanent",
        },
    )
    s.save(
        "00.withdrawal_on_time",
        "forecast",
        {"probability": 70, "reason": "Contingents were already leaving.", "locked_at": stamp},
    )
    s.save("00.veto", "vote", {m: ("no" if m == "Russian Federation" else "yes") for m in MEMBERS})
    s.save("00.consent", "written", ESSAY)


def timed(action, repeats: int) -> list[float]:
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        action(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"median {statistics.median(times):6.2f} ms   p95 {p95:6.2f} ms   (n={len(times)})"


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bench-store-", dir=RESULTS))
    os.environ["MINUSMA_WORK_DIR"] = str(scratch)
    store.forget_stores()
    try:
        s = store.get_store("00_start_here")
        full_notebook(s)
        options = ["The UN Secretary-General", "Mali's transitional government, through its foreign minister"]
        direct = timed(lambda i: s.save("00.who_asked", "single_choice", options[i % 2]), 300)
        print(f"save one answer (store.save, full file):       {summary(direct)}")

        questions.setup("00_start_here")
        radio = questions.single_choice("00.who_asked", "Who asked?", options)
        widget = timed(lambda i: setattr(radio._radio, "value", options[i % 2]), 300)
        print(f"save one answer (widget change, end to end):   {summary(widget)}")
        print(f"  goal: median <= 5 ms -> {'met' if statistics.median(widget) <= 5 else 'NOT met'}")

        short = "word " * 120
        typing_short = timed(lambda i: s.save("00.consent", "written", short + "x" * (i % 7)), 200)
        long_text = "word " * 2000
        typing_long = timed(lambda i: s.save("00.consent", "written", long_text + "x" * (i % 7)), 200)
        print(f"one keystroke in a 120-word answer:            {summary(typing_short)}")
        print(f"one keystroke in a 2,000-word answer:          {summary(typing_long)}")

        s.save("00.consent", "written", ESSAY)
        size = s.path.stat().st_size
        questions.identity().save("Aminata Traoré", "s2023-001")
        handed = handin.hand_in("00_start_here")
        print(f"answers file, full 00_start_here (8 answers):  {size:,} bytes")
        print(f"hand-in file, same answers:                    {handed.stat().st_size:,} bytes")
    finally:
        store.forget_stores()
        shutil.rmtree(scratch, ignore_errors=True)

    browser = RESULTS / "click_to_feedback.json"
    if browser.exists():
        figures = json.loads(browser.read_text(encoding="utf-8"))
        print(
            f"click-to-feedback in Chromium (browser test):  median {figures['median_ms']} ms, "
            f"max {figures['max_ms']} ms over {len(figures['click_to_feedback_ms'])} checks (goal <= 200 ms)"
        )
    else:
        print("click-to-feedback: run  .venv/bin/python -m pytest tests/test_engine_browser.py  first")
    return 0


if __name__ == "__main__":
    sys.exit(main())
