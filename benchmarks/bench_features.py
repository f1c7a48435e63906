"""Feature extraction speed, measured side by side in one run.

Usage: python benchmarks/bench_features.py [DIR] [--n-songs N] [--format wav|flac]

DIR is a genre-per-folder tree (e.g. ../shared/data/gtzan-mini); without it,
N synthetic 60 s songs are written to a temporary folder.  Reports, for the
same songs: the per-window librosa loop (the reference of issue [1]),
WindowMFCCTransformer with n_jobs=1 and n_jobs=2, a cached re-run, and
log-mel features; each as seconds, x real time and ratio to the loop.  The
feature values of the transformer are checked against the loop.
"""

import argparse
import os
import tempfile
import time

import librosa
import numpy as np

from skgenre import WindowMFCCTransformer
from skgenre.datasets import load_folder, make_songs

SR, SONG, WIN = 22050, 60.0, 5.0


def per_window_loop(paths):
    """The straightforward computation: one librosa.feature.mfcc per window."""
    out = []
    for path in paths:
        y, _ = librosa.load(path, sr=SR, mono=True, duration=SONG)
        y = librosa.util.fix_length(y, size=int(SONG * SR))
        frames = librosa.util.frame(
            y, frame_length=int(WIN * SR), hop_length=int(WIN * SR) // 2
        )
        out.append(
            np.stack(
                [
                    librosa.feature.mfcc(
                        y=w, sr=SR, n_mfcc=13, hop_length=512, n_fft=1024
                    )
                    for w in frames.T
                ]
            )
        )
    return np.stack(out)[..., None]


def timed(fn, repeat):
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", help="genre-per-folder tree")
    parser.add_argument("--n-songs", type=int, default=16)
    parser.add_argument("--format", choices=("wav", "flac"), default="wav")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        if args.data:
            paths = list(load_folder(args.data)[0][: args.n_songs])
        else:
            genres = ("rock", "metal", "blues", "classical")
            per_genre = -(-args.n_songs // len(genres))
            paths, _ = make_songs(
                tmp, genres=genres, n_per_genre=per_genre, duration=SONG, random_state=0
            )
            paths = list(paths[: args.n_songs])
            if args.format == "flac":
                import soundfile as sf

                for i, p in enumerate(paths):
                    y, sr = sf.read(p)
                    paths[i] = p[:-4] + ".flac"
                    sf.write(paths[i], y, sr)
        audio_seconds = sum(min(SONG, librosa.get_duration(path=p)) for p in paths)
        n = len(paths)
        print(f"{n} songs, {audio_seconds:.0f} s of audio (song_length={SONG:g} s)")

        rows = []
        loop_s, reference = timed(lambda: per_window_loop(paths), args.repeat)
        rows.append(("per-window librosa loop", loop_s))

        def transformer(**kw):
            return WindowMFCCTransformer(**kw).transform(paths)

        s1, X1 = timed(lambda: transformer(n_jobs=1), args.repeat)
        rows.append(("transformer, n_jobs=1", s1))
        s2, X2 = timed(lambda: transformer(n_jobs=2), args.repeat)
        rows.append(("transformer, n_jobs=2", s2))
        cache = os.path.join(tmp, "cache")
        transformer(n_jobs=2, memory=cache)  # fill the cache
        s3, X3 = timed(lambda: transformer(memory=cache), args.repeat)
        rows.append(("transformer, cached re-run", s3))
        s4, _ = timed(lambda: transformer(n_jobs=1, features="logmel"), args.repeat)
        rows.append(("transformer, logmel, n_jobs=1", s4))
        s5, _ = timed(lambda: transformer(n_jobs=2, features="logmel"), args.repeat)
        rows.append(("transformer, logmel, n_jobs=2", s5))

        err = max(
            np.abs(X - reference).max(axis=(1, 2, 3, 4)).max()
            / np.abs(reference).max(axis=(1, 2, 3, 4)).min()
            for X in (X1, X2, X3)
        )
        print(
            f"max |transformer - loop| / max |loop| per song: {err:.2e} (goal <= 1e-3)"
        )
        print()
        header = ("method", "ms/song", "x real time", "vs loop")
        print("| {:<32} | {:>8} | {:>11} | {:>7} |".format(*header))
        print(f"|{'-' * 34}|{'-' * 10}|{'-' * 13}|{'-' * 9}|")
        for name, seconds in rows:
            print(
                f"| {name:<32} | {1000 * seconds / n:>8.1f} | "
                f"{audio_seconds / seconds:>11.0f} | {loop_s / seconds:>6.1f}x |"
            )


if __name__ == "__main__":
    main()
