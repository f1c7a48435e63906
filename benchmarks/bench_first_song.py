"""Time to the first song in a fresh process, and where the imports go.

Usage: python benchmarks/bench_first_song.py [--runs N] [--song PATH] [--top K]
       [--pythonpath DIR] [--wait-idle]

Runs each command N times (default 3), each in a fresh Python process, and
prints the median, min and max wall time:

* ``embed``: ``from skgenre import WindowEmbedder;
  WindowEmbedder(song_length=30).fit_transform([SONG])`` (the encoder on
  ONNX Runtime where it is installed and ``KERAS_BACKEND`` is unset);
* ``predict``: ``skgenre predict SONG``, the zero-shot tagger (both
  networks, the whole song).

Then runs each once more under ``python -X importtime`` and lists the
heaviest packages: each top-level package's first import, with everything it
imported in turn (so ``sklearn`` includes the ``scipy`` it pulls in), and
the total time spent importing.  Goals (issue [16]): ``embed`` in at most
2.5 s, ``predict`` in at most 3 s.  On a shared machine other people's work
moves these figures by a factor of two: ``--wait-idle`` starts each run once
the CPUs have been idle for half a second (Linux), and the load average and
the processes' CPU time are printed with the figures.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SONG = ROOT / "skgenre" / "data" / "Kevin_MacLeod_-_Vibe_Ace.ogg"


def commands(song):
    """``{name: argv}`` of the timed commands, run from the repository root."""
    embed = (
        "from skgenre import WindowEmbedder; "
        f"WindowEmbedder(song_length=30).fit_transform([{str(song)!r}])"
    )
    # The console script (``.venv/bin/skgenre``) run by this interpreter.
    script = Path(sys.executable).with_name("skgenre")
    cli = [str(script)] if script.is_file() else ["-m", "skgenre"]
    return {
        "embed": [sys.executable, "-c", embed],
        "predict": [sys.executable, *cli, "predict", str(song)],
    }


def _environment(pythonpath):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("KERAS_BACKEND", None)  # as a CPU user runs it: ONNX Runtime
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def _idle_fraction(seconds):
    """Fraction of the CPUs' time spent idle over ``seconds`` (Linux)."""

    def sample():
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:]]
        return ticks[3] + ticks[4], sum(ticks)  # idle + iowait, all

    idle, total = sample()
    time.sleep(seconds)
    idle_after, total_after = sample()
    return (idle_after - idle) / max(1, total_after - total)


def wait_idle(threshold=0.9, timeout=60.0):
    """Wait until the CPUs are idle (``threshold``); False after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _idle_fraction(0.5) >= threshold:
            return True
    return False


def run_once(argv, extra=(), pythonpath=None):
    """Wall and CPU seconds of one fresh process, and its stderr.

    ``pythonpath``: a folder holding another copy of ``skgenre`` to time
    (e.g. the code before a change); the process runs there.
    """
    argv = [argv[0], *extra, *argv[1:]]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        argv,
        cwd=ROOT if pythonpath is None else pythonpath,
        env=_environment(pythonpath),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, done.stderr


def import_times(stderr):
    """``(total, {package: cumulative})`` in seconds from ``-X importtime``.

    A package's figure is its largest import, normally the first
    (outermost) one, which includes what it imported in turn; the total sums
    the outermost imports only.
    """
    total, packages = 0.0, {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        seconds = int(cumulative) / 1e6
        if not name[1:].startswith(" "):  # depth 0: nothing imported it
            total += seconds
        package = name.strip().split(".")[0]
        packages[package] = max(packages.get(package, 0.0), seconds)
    return total, packages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--song", default=str(SONG))
    parser.add_argument("--top", type=int, default=12, help="packages listed")
    parser.add_argument(
        "--pythonpath",
        help="folder holding another copy of the skgenre package to time instead",
    )
    parser.add_argument(
        "--wait-idle",
        action="store_true",
        help="start each run once the CPUs are idle (at most 60 s of waiting)",
    )
    args = parser.parse_args(argv)
    song, where = Path(args.song).resolve(), args.pythonpath
    rows, busy = [], 0
    for name, command in commands(song).items():
        run_once(command, pythonpath=where)  # warms file cache and __pycache__
        runs = []
        for _ in range(args.runs):
            if args.wait_idle and not wait_idle():
                busy += 1
            runs.append(run_once(command, pythonpath=where)[:2])
        rows.append((name, runs))
        print(f"{name}: " + ", ".join(f"{t:.2f}" for t, _ in runs) + " s", flush=True)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nLoad average (1, 5, 15 min): {load}; {os.cpu_count()} CPUs", end="")
    print(f"; {busy} runs started on busy CPUs\n" if args.wait_idle else "\n")
    print("| command | median (s) | min (s) | max (s) | CPU, median (s) | runs |")
    print("|---|---|---|---|---|---|")
    for name, runs in rows:
        times = [t for t, _ in runs]
        cpu = statistics.median(c for _, c in runs)
        print(
            f"| {name} | {statistics.median(times):.2f} | {min(times):.2f} "
            f"| {max(times):.2f} | {cpu:.2f} | {len(times)} |"
        )
    for name, command in commands(song).items():
        _, _, stderr = run_once(command, ("-X", "importtime"), pythonpath=where)
        total, packages = import_times(stderr)
        heaviest = sorted(packages.items(), key=lambda item: -item[1])[: args.top]
        print(f"\n{name}: {total:.2f} s importing (under -X importtime); heaviest:")
        for package, seconds in heaviest:
            print(f"  {package:24s} {seconds:6.3f} s")


if __name__ == "__main__":
    main()
