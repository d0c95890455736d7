"""Two kernels, two graders: several processes saving to one file lose nothing.

Each worker process saves its own distinct changes to the same answers file
(``AnswerStore``) and the same hand-scores file (``ScoresFile``), interleaved
as fast as it can; at the end every single change must be on disk. Without
the cross-process lock around read-merge-write, a few percent of changes were
lost (an earlier independent run kept 1,141–1,169 of 1,200).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from minusma import paths

WORKERS = 4
SAVES = 500
NOTEBOOK = "00_start_here"

WORKER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from minusma import store
    from minusma.grading.hand import HandItem, ScoresFile

    worker, saves, folder = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    answers = store.AnswerStore("00_start_here", folder / "answers.json")
    scores = ScoresFile(folder / "hand_scores.json")
    print("ready", flush=True)
    sys.stdin.readline()  # start together, so the writes interleave
    for i in range(saves):
        answers.save(f"00.w{worker}_{i}", "written", f"answer {i} of worker {worker}")
        item = HandItem(pseudonym="P-shared", notebook="00_start_here", question=f"00.shared_{i % 50}",
                        rubric="memo", max_points=3, criteria=("evidence",), prompt="p", answer="a", words=1)
        # all workers grade the same 50 answers, each its own criterion, 10 times each: every last level stays
        scores.record(item, level=(f"crit_{worker}", i))
""")


def run_workers(folder, saves=SAVES):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(w), str(saves), str(folder)],
            cwd=paths.REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err


@pytest.mark.slow
def test_four_processes_saving_at_once_lose_nothing(tmp_path):
    run_workers(tmp_path)

    answers = json.loads((tmp_path / "answers.json").read_text(encoding="utf-8"))["answers"]
    expected = {f"00.w{w}_{i}": f"answer {i} of worker {w}" for w in range(WORKERS) for i in range(SAVES)}
    assert {qid: entry["value"] for qid, entry in answers.items()} == expected

    scores = json.loads((tmp_path / "hand_scores.json").read_text(encoding="utf-8"))["scores"]["P-shared"]
    # the last save of each worker to answer k was i = 450 + k
    expected_levels = {f"00.shared_{k}": {f"crit_{w}": 450 + k for w in range(WORKERS)} for k in range(50)}
    assert {qid: entry["levels"] for qid, entry in scores.items()} == expected_levels
