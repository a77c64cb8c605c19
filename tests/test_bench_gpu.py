"""bench/gpu.py's judging of the issue's bars from its rows (the GPU run's last lines):
the device's quality against the same run's CPU engine rows, speeds against the
issue's figures, and a diverged full-softmax run never counted."""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import gpu  # noqa: E402


def _counters(words_per_second: float, loss: float = 1.0):
    return gpu.measured(words_per_second, loss, seconds=1.0)


def _verdicts(rows) -> dict[str, str]:
    return {what: verdict for verdict, what, _ in gpu.bars(rows)}


def test_each_bar_is_judged_against_this_runs_cpu_rows():
    rows = [("SGNS device", 5, _counters(55e6), {"ws353": 0.681, "google": 0.362}),
            ("SGNS CPU engine, 16 threads", 5, _counters(12e6),
             {"ws353": 0.690, "google": 0.373}),
            ("Gaussian diag KL device", 5, _counters(11e6), {"ws353": 0.64, "bless": 0.76}),
            ("Gaussian diag KL CPU, 16 threads", 5, _counters(6e6),
             {"ws353": 0.645, "bless": 0.79}),
            ("full softmax, batch 32, alpha 0.1", 1, _counters(300e3), {}),
            ("full softmax, batch 1024, alpha 0.1", 1, _counters(5e6, loss=math.nan), {})]
    verdicts = _verdicts(rows)
    assert verdicts == {
        "SGNS at least 20 M words/s": "met",
        "SGNS WS353 within 0.01 of the CPU engine's (same run)": "met",  # 0.009 behind
        "SGNS Google within 1 point of the CPU engine's (same run)": "NOT met",  # 1.1 behind
        "Gaussian at least 10x the CPU engine's words/s (benchmarks.md)": "met",
        "Gaussian WS353 within 0.01 of the CPU engine's (same run)": "met",
        "Gaussian BLESS direction within 0.02 of the CPU engine's (same run)": "NOT met",
        # the diverged batch's 5 M words/s is not counted: 300 k is 36x, under 50x
        "full softmax at least 50x the CPU engine's words/s (benchmarks.md)": "NOT met"}


def test_a_bar_without_its_rows_is_not_measured():
    verdicts = _verdicts([("SGNS device", 5, _counters(15e6), {"ws353": 0.69})])
    assert verdicts["SGNS at least 20 M words/s"] == "NOT met"
    assert set(verdicts.values()) == {"NOT met", "not measured"}


def test_the_cpu_reference_trains_where_tqdm_is_missing(tmp_path):
    """The GPU machine may lack tqdm: bench/gpu.py then stubs it, and the CPU engine's
    reference runs (the models' fit, whose driver moves a progress bar even when it
    shows none) train through the stub."""
    import subprocess

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(("the cat sat on the mat and the dog sat on the log " * 40 + "\n") * 5)
    code = (
        "import sys\n"
        "sys.modules['tqdm'] = sys.modules['tqdm.auto'] = None  # not installed\n"
        f"sys.path.insert(0, {str(Path(gpu.__file__).parent)!r})\n"
        "import gpu\n"
        "gpu._stub_tqdm()\n"
        "from wordspace import Corpus, SkipGram\n"
        f"model = SkipGram(dim=8, epochs=2, workers=1, progress=False).fit(\n"
        f"    Corpus({str(corpus)!r}, min_count=1, cache=False, progress=False))\n"
        "print(model.report_.words)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == 2 * 5 * 13 * 40
