"""Datasets: list audio files from a genre folder tree and make synthetic songs.

Three entry points are public:

* :func:`load_folder` lists the audio files of a tree with one sub-folder per
  genre (the layout of GTZAN and of most home-made genre collections) and
  returns their paths and labels, ready for a scikit-learn pipeline whose
  first step reads audio from paths.
* :func:`make_songs` writes small synthetic songs of several genres to disk.
  It is the package's analogue of :func:`sklearn.datasets.make_classification`:
  it needs no download, is deterministic given ``random_state`` and yields a
  task that MFCC statistics can learn but that is not trivial, since songs of
  one genre vary in tempo, key, melody, gain and mix.
* :func:`load_cc_music` lists the few freely licensed real recordings shipped
  in ``skgenre/data/`` with their genres.
"""

from __future__ import annotations

import math
import numbers
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal
from sklearn.utils import check_random_state

__all__ = [
    "AUDIO_EXTENSIONS",
    "load_cc_music",
    "load_csv",
    "load_folder",
    "load_labelled",
    "make_songs",
]

AUDIO_EXTENSIONS = frozenset(
    {
        ".wav",
        ".flac",
        ".ogg",
        ".oga",
        ".mp3",
        ".au",
        ".snd",
        ".aif",
        ".aiff",
        ".aifc",
        ".opus",
        ".w64",
        ".caf",
        ".rf64",
    }
)
"""frozenset of str: lower-case file extensions (with the dot) of the audio
formats that libsndfile, hence :mod:`soundfile`, decodes. MP3 needs
libsndfile >= 1.1 and Opus needs libsndfile >= 1.0.29."""


# --------------------------------------------------------------------------
# load_folder
# --------------------------------------------------------------------------


def load_folder(root):
    """List the audio files of a genre folder tree and their labels.

    The tree must hold one sub-folder per genre; the sub-folder's name is
    the label of every audio file below it, at any depth::

        root/
            blues/blues.00000.wav
            rock/live/track1.flac
            rock/track2.mp3

    Parameters
    ----------
    root : str or os.PathLike
        Folder holding one sub-folder per genre. Files directly in ``root``
        are ignored.

    Returns
    -------
    paths : ndarray of str objects, shape (n_files,)
        Paths of the audio files, built as ``root / genre / relative path``
        (so absolute only if ``root`` is).
    labels : ndarray of str objects, shape (n_files,)
        Genre (sub-folder name) of each file.

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist.
    NotADirectoryError
        If ``root`` is not a directory.
    ValueError
        If no audio file was found below ``root``.

    Notes
    -----
    A file counts as audio if its extension, compared case-insensitively,
    is in :data:`AUDIO_EXTENSIONS`. Hidden files and folders (name starting
    with ``"."``) are skipped, as are other files. The result is sorted by
    genre and then by path relative to the genre folder, so it does not
    depend on the order in which the file system lists entries.

    Examples
    --------
    >>> paths, labels = load_folder("data/genres")  # doctest: +SKIP
    >>> labels[:2]  # doctest: +SKIP
    array(['blues', 'blues'], dtype=object)
    """
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"Dataset folder {str(root)!r} does not exist.")
    if not root.is_dir():
        raise NotADirectoryError(
            f"Dataset folder {str(root)!r} is not a directory; expected a "
            "folder with one sub-folder per genre."
        )

    entries = []
    for genre_dir in root.iterdir():
        if genre_dir.name.startswith(".") or not genre_dir.is_dir():
            continue
        for path in genre_dir.rglob("*"):
            relative = path.relative_to(genre_dir)
            if any(part.startswith(".") for part in relative.parts):
                continue
            if path.suffix.lower() not in AUDIO_EXTENSIONS or not path.is_file():
                continue
            entries.append((genre_dir.name, relative.as_posix(), str(path)))

    if not entries:
        accepted = ", ".join(sorted(AUDIO_EXTENSIONS))
        raise ValueError(
            f"No audio file found in {str(root)!r}. Expected one sub-folder per "
            f"genre holding files with one of the extensions: {accepted} "
            "(case-insensitive)."
        )

    entries.sort(key=lambda entry: (entry[0], entry[1]))
    paths = np.array([entry[2] for entry in entries], dtype=object)
    labels = np.array([entry[0] for entry in entries], dtype=object)
    return paths, labels


# --------------------------------------------------------------------------
# load_cc_music
# --------------------------------------------------------------------------

_DATA_DIR = Path(__file__).resolve().parent / "data"

# Recordings shipped in skgenre/data/ and their genres; attribution texts are
# in skgenre/data/licenses/ and listed in skgenre/data/README.md.
_CC_MUSIC = (
    ("Kevin_MacLeod_-_Vibe_Ace.ogg", "jazz"),
    ("Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.ogg", "classical"),
    (
        "Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg",
        "classical",
    ),
    ("Karissa_Hobbs_-_Lets_Go_Fishin.ogg", "country"),
    ("sorohanro_-_solo-trumpet-06.ogg", "jazz"),
)


def load_csv(path):
    """Read ``(paths, labels)`` from a CSV file with ``path`` and ``genre`` columns.

    Relative paths are taken relative to the CSV file's folder.

    Parameters
    ----------
    path : str or os.PathLike
        CSV file with a header row naming at least ``path`` and ``genre``.

    Returns
    -------
    paths, labels : ndarray of str objects, shape (n_songs,)
        In the order of the file.

    Raises
    ------
    FileNotFoundError
        If the CSV file does not exist.
    ValueError
        If a column is missing or the file lists no song.
    """
    import csv

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CSV file {str(path)!r} does not exist")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"path", "genre"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(
                f"CSV file {str(path)!r} lacks column(s) {sorted(missing)}; "
                "expected a header with 'path' and 'genre'"
            )
        rows = [(row["path"], row["genre"]) for row in reader]
    if not rows:
        raise ValueError(f"CSV file {str(path)!r} lists no song")
    base = path.parent
    return (
        np.array([str(base / p) for p, _ in rows], dtype=object),
        np.array([g for _, g in rows], dtype=object),
    )


def load_labelled(source):
    """``(paths, labels)`` from a genre-per-folder tree or a ``path,genre`` CSV.

    Parameters
    ----------
    source : str or os.PathLike
        A directory (see :func:`load_folder`) or a ``.csv`` file (see
        :func:`load_csv`).

    Returns
    -------
    paths, labels : ndarray of str objects, shape (n_songs,)
    """
    if str(source).lower().endswith(".csv"):
        return load_csv(source)
    return load_folder(source)


def load_cc_music():
    """List the freely licensed recordings shipped with skgenre.

    Five real recordings (22050 Hz mono Ogg Vorbis, 5 s to 133 s) under
    CC BY 3.0 or in the public domain: two classical, two jazz and one
    country. Their attribution texts are in ``skgenre/data/licenses/``.

    Returns
    -------
    paths : ndarray of str objects, shape (5,)
        Absolute paths of the recordings, sorted by genre and then file name.
    labels : ndarray of str objects, shape (5,)
        Genre of each recording.

    Raises
    ------
    FileNotFoundError
        If a recording is missing (e.g. the package was installed without
        its data files).

    Examples
    --------
    >>> from skgenre.datasets import load_cc_music
    >>> paths, labels = load_cc_music()
    >>> labels.tolist()
    ['classical', 'classical', 'country', 'jazz', 'jazz']
    """
    entries = sorted(_CC_MUSIC, key=lambda entry: (entry[1], entry[0]))
    paths = [_DATA_DIR / name for name, _ in entries]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"Shipped recordings not found: {missing}. Reinstall skgenre with "
            "its package data (skgenre/data/*.ogg)."
        )
    return (
        np.array([str(path) for path in paths], dtype=object),
        np.array([genre for _, genre in entries], dtype=object),
    )


# --------------------------------------------------------------------------
# Genre recipes
# --------------------------------------------------------------------------

# Semitone intervals of chord qualities; always four voices.
_CHORDS = {
    "maj": (0, 4, 7, 12),
    "min": (0, 3, 7, 12),
    "dom7": (0, 4, 7, 10),
    "min7": (0, 3, 7, 10),
    "maj7": (0, 4, 7, 11),
    "power": (0, 7, 12, 19),
}

# Semitone steps of the scales used by the lead melodies.
_SCALES = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "major_penta": (0, 2, 4, 7, 9),
    "minor_penta": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
}

# Velocity of a step in a 16-step drum or chord pattern.
_VELOCITY = {".": 0.0, "x": 1.0, "o": 0.5}

# Semitones above the chord root of a step in a bass pattern; "t" is the
# chord's third and "w" a walking note (random chord tone or neighbour).
_BASS_STEPS = {"r": 0, "f": 7, "s": 9, "b": 10, "o": 12}

_WAVES = ("sine", "triangle", "saw", "square", "pulse")


@dataclass(frozen=True)
class _Recipe:
    """Parameters that make a genre sound like itself.

    Patterns are 16 steps (sixteenth notes of one 4/4 bar). Drum and chord
    patterns use ``"x"`` (hit), ``"o"`` (soft hit) and ``"."`` (rest); bass
    patterns use the keys of ``_BASS_STEPS`` plus ``"t"`` and ``"w"``.
    Levels are RMS mix levels relative to each other; times are seconds,
    cutoffs Hz and pitches MIDI note numbers.
    """

    bpm: tuple  # (low, high) tempo range, beats per minute
    progression: tuple  # ((semitones above key, chord quality), ...) one per bar
    swing: float = 0.0  # 0 = straight, 1/6 = triplet shuffle
    # drums
    drums: float = 1.0
    kick: str = "x.......x......."
    snare: str = "....x.......x..."
    hat: str = "x.x.x.x.x.x.x.x."
    open_hat: str = "................"
    kick_tone: float = 55.0
    kick_decay: float = 0.15
    snare_noise: float = 0.7  # 0 = pure tone, 1 = pure noise
    snare_decay: float = 0.12
    hat_decay: float = 0.04
    # bass
    bass: float = 0.8
    bass_pattern: str = "r.......r......."
    bass_wave: str = "saw"
    bass_cutoff: float = 800.0
    bass_decay: float = 0.5
    bass_legato: float = 0.9
    bass_root: tuple = (36, 43)  # range of the key's bass note
    # chords (guitar, keys, pads)
    chords: float = 0.7
    chord_pattern: str = "x.......x......."
    chord_wave: str = "saw"
    chord_cutoff: float = 2500.0
    chord_attack: float = 0.005
    chord_decay: float = 1.0
    chord_legato: float = 0.95
    chord_detune: float = 0.0  # cents, adds a second detuned oscillator
    distortion: float = 0.0  # tanh drive of the chord bus, 0 = clean
    pump: float = 0.0  # side-chain ducking depth on each beat
    # lead melody
    lead: float = 0.5
    lead_wave: str = "square"
    lead_cutoff: float = 3000.0
    lead_scale: str = "major"
    lead_density: float = 4.0  # notes per bar
    lead_attack: float = 0.01
    lead_decay: float = 0.6
    lead_vibrato: float = 0.0  # semitones
    lead_arp: bool = False  # arpeggiate chord tones on every step
    # background
    noise: float = 0.0  # RMS of white noise relative to the music's RMS


_I_V_VI_IV = ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj"))
_TWELVE_BAR = tuple((degree, "dom7") for degree in (0, 0, 0, 0, 5, 5, 0, 0, 7, 5, 0, 7))

_RECIPES = {
    "rock": _Recipe(
        bpm=(105, 140),
        progression=((0, "power"), (10, "power"), (5, "power"), (0, "power")),
        kick="x.....x.x.......",
        hat="x.x.x.x.x.x.x.x.",
        bass_pattern="r.r.r.r.r.r.r.r.",
        bass_cutoff=900.0,
        chord_pattern="x.......x...x...",
        chord_wave="saw",
        chord_cutoff=3000.0,
        chord_decay=1.5,
        distortion=3.0,
        lead=0.25,
        lead_wave="saw",
        lead_scale="minor_penta",
        lead_density=3.0,
        noise=0.04,
    ),
    "metal": _Recipe(
        bpm=(150, 200),
        progression=((0, "power"), (1, "power"), (0, "power"), (10, "power")),
        kick="xxxxxxxxxxxxxxxx",
        kick_tone=50.0,
        kick_decay=0.08,
        hat="x...x...x...x...",
        hat_decay=0.4,
        bass=0.6,
        bass_pattern="rrrrrrrrrrrrrrrr",
        bass_cutoff=1500.0,
        bass_root=(28, 35),
        chords=1.0,
        chord_pattern="xxxxxxxxxxxxxxxx",
        chord_cutoff=5000.0,
        chord_decay=0.12,
        distortion=14.0,
        lead=0.15,
        lead_wave="saw",
        lead_scale="phrygian",
        lead_density=2.0,
        noise=0.06,
    ),
    "blues": _Recipe(
        bpm=(70, 100),
        progression=_TWELVE_BAR,
        swing=1 / 6,
        kick="x.......x.......",
        hat="x.x.x.x.x.x.x.x.",
        bass_pattern="r.t.f.s.b.s.f.t.",
        bass_wave="triangle",
        bass_cutoff=700.0,
        chord_pattern="x.......x.......",
        chord_cutoff=2500.0,
        chord_decay=0.8,
        distortion=1.2,
        lead=0.6,
        lead_wave="saw",
        lead_cutoff=2200.0,
        lead_scale="blues",
        lead_density=5.0,
        lead_vibrato=0.3,
        noise=0.04,
    ),
    "classical": _Recipe(
        bpm=(60, 100),
        progression=((0, "maj"), (9, "min"), (2, "min"), (7, "dom7")),
        drums=0.0,
        bass=0.6,
        bass_pattern="r.......f.......",
        bass_cutoff=500.0,
        bass_decay=3.0,
        chords=0.6,
        chord_pattern="x...............",
        chord_wave="saw",
        chord_cutoff=1300.0,
        chord_attack=0.25,
        chord_decay=4.0,
        lead=0.8,
        lead_wave="saw",
        lead_cutoff=2500.0,
        lead_attack=0.08,
        lead_decay=3.0,
        lead_vibrato=0.25,
        lead_density=4.0,
        noise=0.012,
    ),
    "jazz": _Recipe(
        bpm=(110, 170),
        progression=((2, "min7"), (7, "dom7"), (0, "maj7"), (9, "dom7")),
        swing=1 / 6,
        drums=0.3,
        kick="x.........x.....",
        snare=".......o......o.",
        snare_noise=1.0,
        snare_decay=0.08,
        hat="o...o.o.o...o.o.",
        hat_decay=0.35,
        bass=0.9,
        bass_pattern="w...w...w...w...",
        bass_wave="sine",
        bass_cutoff=600.0,
        bass_decay=0.35,
        bass_root=(38, 45),
        chords=0.5,
        chord_pattern="x.....x.........",
        chord_wave="triangle",
        chord_cutoff=2000.0,
        chord_decay=0.5,
        chord_legato=0.6,
        lead=0.7,
        lead_wave="square",
        lead_cutoff=1800.0,
        lead_scale="dorian",
        lead_density=7.0,
        lead_vibrato=0.2,
        noise=0.02,
    ),
    "disco": _Recipe(
        bpm=(112, 128),
        progression=((0, "min7"), (5, "min7"), (0, "min7"), (7, "min7")),
        kick="x...x...x...x...",
        hat="xoxoxoxoxoxoxoxo",
        open_hat="..x...x...x...x.",
        bass_pattern="r.o.r.o.r.o.r.o.",
        bass_cutoff=1200.0,
        bass_legato=0.6,
        chord_pattern="..x...x...x...x.",
        chord_wave="pulse",
        chord_cutoff=3500.0,
        chord_decay=0.15,
        chord_legato=0.5,
        lead=0.5,
        lead_wave="saw",
        lead_cutoff=4000.0,
        lead_scale="dorian",
        lead_density=4.0,
        lead_vibrato=0.15,
    ),
    "hiphop": _Recipe(
        bpm=(80, 96),
        progression=((0, "min7"), (0, "min7"), (8, "maj7"), (7, "min7")),
        swing=0.08,
        kick="x......x..x.....",
        kick_tone=45.0,
        kick_decay=0.35,
        snare_noise=0.6,
        hat="x.x.x.x.x.x.x.xo",
        bass=1.0,
        bass_pattern="r......r..r.....",
        bass_wave="sine",
        bass_cutoff=300.0,
        bass_decay=0.6,
        bass_root=(31, 38),
        chords=0.45,
        chord_pattern="x.......x.......",
        chord_wave="sine",
        chord_cutoff=1800.0,
        chord_decay=1.2,
        lead=0.25,
        lead_wave="triangle",
        lead_scale="minor_penta",
        lead_density=2.0,
        noise=0.06,
    ),
    "pop": _Recipe(
        bpm=(100, 124),
        progression=_I_V_VI_IV,
        kick="x.......x.......",
        hat="x.x.x.x.x.x.x.x.",
        bass_pattern="r.r.r.r.r.r.r.r.",
        bass_wave="square",
        bass_cutoff=700.0,
        chord_pattern="x..x..x...x..x..",
        chord_wave="pulse",
        chord_cutoff=5000.0,
        chord_decay=0.4,
        lead=0.8,
        lead_wave="square",
        lead_cutoff=5000.0,
        lead_scale="major_penta",
        lead_density=6.0,
    ),
    "reggae": _Recipe(
        bpm=(64, 84),
        progression=((0, "min"), (5, "min"), (0, "min"), (10, "maj")),
        swing=0.05,
        kick="........x.......",
        snare="........x.......",
        snare_noise=0.3,
        snare_decay=0.06,
        hat="x.x.x.x.x.x.x.x.",
        bass=1.0,
        bass_pattern="r..r..f.....o...",
        bass_wave="sine",
        bass_cutoff=400.0,
        bass_root=(33, 40),
        chord_pattern="..x...x...x...x.",
        chord_wave="square",
        chord_cutoff=2500.0,
        chord_decay=0.07,
        chord_legato=0.4,
        lead=0.35,
        lead_wave="triangle",
        lead_scale="minor",
        lead_density=3.0,
        noise=0.04,
    ),
    "country": _Recipe(
        bpm=(100, 130),
        progression=((0, "maj"), (5, "maj"), (0, "maj"), (7, "maj")),
        kick="x.......x.......",
        snare="....x.......x...",
        snare_noise=0.9,
        hat="x.x.x.x.x.x.x.x.",
        drums=0.6,
        bass_pattern="r...f...r...f...",
        bass_wave="triangle",
        bass_cutoff=900.0,
        bass_decay=0.3,
        chord_pattern="x.x.x.x.x.x.x.x.",
        chord_wave="triangle",
        chord_cutoff=6000.0,
        chord_decay=0.25,
        lead=0.7,
        lead_wave="saw",
        lead_cutoff=3500.0,
        lead_scale="major_penta",
        lead_density=6.0,
        lead_vibrato=0.25,
    ),
    "electronic": _Recipe(
        bpm=(122, 132),
        progression=((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),
        kick="x...x...x...x...",
        kick_tone=48.0,
        kick_decay=0.3,
        snare="....x.......x...",
        snare_noise=1.0,
        snare_decay=0.15,
        hat="oxoxoxoxoxoxoxox",
        open_hat="..x...x...x...x.",
        bass_pattern="..r...r...r...r.",
        bass_cutoff=900.0,
        bass_legato=0.8,
        chords=0.6,
        chord_pattern="x...............",
        chord_wave="saw",
        chord_cutoff=3500.0,
        chord_attack=0.05,
        chord_decay=4.0,
        chord_detune=14.0,
        pump=0.7,
        lead=0.5,
        lead_wave="square",
        lead_cutoff=4500.0,
        lead_decay=0.12,
        lead_arp=True,
    ),
}


def _derived_recipe(position):
    """Recipe of a genre without a built-in one, drawn from its position.

    Parameters
    ----------
    position : int
        Index of the genre in the ``genres`` argument of :func:`make_songs`.

    Returns
    -------
    recipe : _Recipe
        Genre recipe.
        Deterministic recipe; different positions give different tempi,
        patterns, timbres, distortion and noise.
    """
    rng = np.random.RandomState(7919 * (position + 1))
    center = 70 + (37 * position) % 110 + rng.uniform(-5, 5)  # BPM

    def pattern(prob, chars="xo"):
        steps = rng.rand(16) < prob
        hits = rng.choice(list(chars), size=16)
        return "".join(h if s else "." for s, h in zip(steps, hits, strict=True))

    kick = "x" + pattern(rng.uniform(0.1, 0.5))[1:]
    progressions = (
        _I_V_VI_IV,
        _TWELVE_BAR,
        ((0, "min7"), (5, "dom7"), (10, "maj7"), (3, "maj7")),
        ((0, "power"), (3, "power"), (5, "power"), (7, "power")),
        ((0, "min"), (8, "maj"), (10, "maj"), (7, "min")),
    )
    return _Recipe(
        bpm=(center - 8, center + 8),
        progression=progressions[position % len(progressions)],
        swing=float(rng.choice([0.0, 0.0, 0.08, 1 / 6])),
        drums=float(rng.choice([0.0, 0.5, 1.0])) if position % 3 else 1.0,
        kick=kick,
        snare=pattern(rng.uniform(0.1, 0.3)),
        hat=pattern(rng.uniform(0.2, 0.9)),
        kick_tone=float(rng.uniform(42, 70)),
        kick_decay=float(rng.uniform(0.06, 0.4)),
        snare_noise=float(rng.uniform(0.2, 1.0)),
        hat_decay=float(rng.choice([0.03, 0.08, 0.35])),
        bass=float(rng.uniform(0.4, 1.0)),
        bass_pattern="".join(rng.choice(list("r.f.o.tw"), size=16)),
        bass_wave=_WAVES[position % len(_WAVES)],
        bass_cutoff=float(np.exp(rng.uniform(np.log(300), np.log(1500)))),
        chords=float(rng.uniform(0.3, 1.0)),
        chord_pattern="x" + pattern(rng.uniform(0.1, 0.5), "x")[1:],
        chord_wave=_WAVES[(position * 2 + 1) % len(_WAVES)],
        chord_cutoff=float(np.exp(rng.uniform(np.log(800), np.log(6000)))),
        chord_attack=float(rng.choice([0.005, 0.05, 0.2])),
        chord_decay=float(np.exp(rng.uniform(np.log(0.1), np.log(3.0)))),
        distortion=float(rng.choice([0.0, 0.0, rng.uniform(1.0, 10.0)])),
        lead=float(rng.uniform(0.2, 0.9)),
        lead_wave=_WAVES[(position * 3 + 2) % len(_WAVES)],
        lead_cutoff=float(np.exp(rng.uniform(np.log(1000), np.log(6000)))),
        lead_scale=sorted(_SCALES)[position % len(_SCALES)],
        lead_density=float(rng.uniform(1.0, 10.0)),
        lead_vibrato=float(rng.choice([0.0, 0.2])),
        noise=float(np.exp(rng.uniform(np.log(0.004), np.log(0.3)))),
    )


# --------------------------------------------------------------------------
# Synthesis helpers
# --------------------------------------------------------------------------


def _midi_to_hz(midi):
    """Frequency in Hz of MIDI note numbers (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((np.asarray(midi, dtype=float) - 69.0) / 12.0)


def _lowpass(x, cutoff, sample_rate, order=2):
    """Butterworth low-pass filter of ``x`` (cutoff in Hz, clipped below Nyquist)."""
    cutoff = min(cutoff, 0.45 * sample_rate)
    sos = signal.butter(order, cutoff, btype="low", fs=sample_rate, output="sos")
    return signal.sosfilt(sos, x)


def _highpass(x, cutoff, sample_rate, order=2):
    """Butterworth high-pass filter of ``x`` (cutoff in Hz, clipped below Nyquist)."""
    cutoff = min(cutoff, 0.35 * sample_rate)
    sos = signal.butter(order, cutoff, btype="high", fs=sample_rate, output="sos")
    return signal.sosfilt(sos, x)


def _oscillator(cycles, wave):
    """Waveform of a phase given in cycles (float64), as float32 in [-1, 1]."""
    frac = (cycles - np.floor(cycles)).astype(np.float32)
    if wave == "sine":
        return np.sin(np.float32(2.0 * np.pi) * frac)
    if wave == "saw":
        return 2.0 * frac - np.float32(1.0)
    if wave == "square":
        return np.where(frac < 0.5, np.float32(1.0), np.float32(-1.0))
    if wave == "pulse":
        return np.where(frac < 0.25, np.float32(1.0), np.float32(-1.0 / 3.0))
    if wave == "triangle":
        return 4.0 * np.abs(frac - np.float32(0.5)) - np.float32(1.0)
    raise ValueError(f"Unknown waveform {wave!r}; expected one of {_WAVES}.")


def _render(
    onsets,
    durations,
    notes,
    velocities,
    n_samples,
    sample_rate,
    wave,
    attack,
    decay,
    vibrato=0.0,
    detune=0.0,
):
    """Render a sequence of non-overlapping (possibly polyphonic) notes.

    Parameters
    ----------
    onsets : ndarray of shape (n_notes,)
        Sorted note start times, in seconds.
    durations : ndarray of shape (n_notes,)
        Note lengths (gate), in seconds.
    notes : ndarray of shape (n_notes, n_voices)
        MIDI pitches sounding together for each note (a chord if
        ``n_voices > 1``).
    velocities : ndarray of shape (n_notes,)
        Linear amplitude of each note.
    n_samples : int
        Length of the output, in samples.
    sample_rate : int
        Sampling rate, in Hz.
    wave : str
        Oscillator waveform, one of ``_WAVES``.
    attack, decay : float
        Linear attack time and exponential decay time constant, in seconds.
    vibrato : float, default=0.0
        Depth of a 5.5 Hz vibrato, in semitones.
    detune : float, default=0.0
        If positive, a second oscillator per voice detuned by this many cents.

    Returns
    -------
    out : ndarray of shape (n_samples,)
        Rendered signal (unfiltered, peak about ``max(velocities) * n_voices``).
    """
    if len(onsets) == 0:
        return np.zeros(n_samples)
    f32 = np.float32
    # A silent note first covers the samples before the first onset.
    starts = np.round(np.asarray(onsets) * sample_rate).astype(np.int64)
    starts = np.clip(np.append(0, starts), 0, n_samples)
    durations = np.append(0.0, durations).astype(f32)
    velocities = np.append(0.0, velocities).astype(f32)
    notes = np.asarray(notes, dtype=float).reshape(len(onsets), -1)
    notes = np.vstack([notes[:1], notes])
    # Index of the note sounding at each sample.
    lengths = np.diff(np.append(starts, n_samples))
    index = np.repeat(np.arange(len(starts)), lengths)
    # Time since the note's onset, in seconds.
    t = (np.arange(n_samples) - starts[index]).astype(f32) * f32(1.0 / sample_rate)
    release = f32(0.01)
    envelope = np.minimum(t * f32(1.0 / attack), f32(1.0))
    envelope *= np.exp(t * f32(-1.0 / decay))
    envelope *= np.clip((durations[index] - t) / release, f32(0.0), f32(1.0))
    envelope *= velocities[index]

    bend = 1.0
    if vibrato:
        seconds = np.arange(n_samples) / sample_rate
        bend = 2.0 ** (vibrato / 12.0 * np.sin(2.0 * np.pi * 5.5 * seconds))
    detunes = (0.0, detune) if detune > 0 else (0.0,)
    out = np.zeros(n_samples, dtype=f32)
    for voice in range(notes.shape[1]):
        for cents in detunes:
            increment = _midi_to_hz(notes[:, voice] + cents / 100.0) / sample_rate
            out += _oscillator(np.cumsum(increment[index] * bend), wave)
    out *= envelope / f32(len(detunes))
    return out


def _step_times(n_bars, bpm, swing):
    """Start times of the sixteenth-note steps of each bar.

    Parameters
    ----------
    n_bars : int
        Number of 4/4 bars.
    bpm : float
        Tempo, in beats (quarter notes) per minute.
    swing : float
        Delay of the off-beat eighth, as a fraction of a beat (1/6 gives a
        triplet shuffle); the off-beat sixteenths move halfway.

    Returns
    -------
    times : ndarray of shape (n_bars, 16)
        Step start times, in seconds.
    """
    beat = 60.0 / bpm
    within_beat = beat * np.array(
        [0.0, (0.5 + swing) / 2, 0.5 + swing, (1.5 + swing) / 2]
    )
    steps = np.arange(16)
    within_bar = (steps // 4) * beat + within_beat[steps % 4]
    return np.arange(n_bars)[:, None] * 4.0 * beat + within_bar[None, :]


def _velocities(pattern):
    """Velocities, shape (16,), of a drum or chord pattern string."""
    return np.array([_VELOCITY[char] for char in pattern])


def _gates(onsets, legato, last):
    """Note lengths in seconds: ``legato`` times the gap to the next onset."""
    gaps = np.diff(onsets, append=onsets[-1] + last) if len(onsets) else onsets
    return gaps * legato


def _drum_sounds(recipe, sample_rate, rng):
    """One-shot drum samples (kick, snare, closed hat, open hat), 1-D arrays."""

    def time(seconds):
        return np.arange(int(seconds * sample_rate)) / sample_rate

    tone = recipe.kick_tone * rng.uniform(0.9, 1.1)
    t = time(min(1.5, 5 * recipe.kick_decay))
    cycles = np.cumsum(tone * (1.0 + 3.0 * np.exp(-t / 0.03))) / sample_rate
    kick = np.sin(2 * np.pi * cycles) * np.exp(-t / recipe.kick_decay)
    kick[: len(t) // 50] += rng.uniform(-0.3, 0.3, len(t) // 50)

    t = time(min(1.0, 5 * recipe.snare_decay))
    body = np.sin(2 * np.pi * rng.uniform(170, 220) * t) * np.exp(-t / 0.04)
    rattle = _highpass(rng.standard_normal(len(t)), 1500, sample_rate)
    rattle *= np.exp(-t / recipe.snare_decay)
    snare = (1 - recipe.snare_noise) * body + recipe.snare_noise * rattle

    def hat(decay):
        t = time(min(1.5, 5 * decay))
        sound = _highpass(rng.standard_normal(len(t)), 7000, sample_rate)
        if decay > 0.2:  # ride / crash: add inharmonic metallic partials
            partials = rng.uniform(0.15, 0.4, 4) * sample_rate
            sound = sound + 0.5 * np.sin(2 * np.pi * partials[:, None] * t).sum(0)
        return 0.5 * sound * np.exp(-t / decay)

    return kick, snare, hat(recipe.hat_decay), hat(0.25)


def _drum_track(recipe, times, n_samples, sample_rate, rng):
    """Drum kit playing the recipe's patterns on the step grid.

    Parameters
    ----------
    recipe : _Recipe
        Genre recipe.
    times : ndarray of shape (n_bars, 16)
        Step start times, in seconds (see :func:`_step_times`).
    n_samples : int
        Output length, in samples.
    sample_rate : int
        Sampling rate, in Hz.
    rng : numpy.random.RandomState
        Source of the random variations.

    Returns
    -------
    drums : ndarray of shape (n_samples,)
    """
    out = np.zeros(n_samples)
    patterns = (recipe.kick, recipe.snare, recipe.hat, recipe.open_hat)
    for pattern, sound in zip(
        patterns, _drum_sounds(recipe, sample_rate, rng), strict=True
    ):
        velocity = np.broadcast_to(_velocities(pattern), times.shape)
        hit = velocity > 0
        n_hits = int(hit.sum())
        if n_hits == 0:
            continue
        # Humanise: +-2 ms timing jitter and 20 % velocity spread.
        onset = times[hit] + rng.normal(0.0, 0.002, n_hits)
        position = np.round(onset * sample_rate).astype(np.int64)
        inside = (position >= 0) & (position < n_samples)
        weight = velocity[hit] * rng.uniform(0.8, 1.0, n_hits)
        # One slice addition per hit (a few hundred per song) beats an FFT
        # convolution of the whole track.
        for start, gain in zip(position[inside], weight[inside], strict=True):
            stop = min(n_samples, start + len(sound))
            out[start:stop] += gain * sound[: stop - start]
    return out


def _chord_roots(recipe, n_bars, offset):
    """Chord of each bar: semitones above the key and intervals, shape (n_bars, 4)."""
    chords = [
        recipe.progression[(bar + offset) % len(recipe.progression)]
        for bar in range(n_bars)
    ]
    roots = np.array([degree for degree, _ in chords])
    intervals = np.array([_CHORDS[quality] for _, quality in chords])
    return roots, intervals


def _bass_line(recipe, times, chords, key, n_samples, sample_rate, rng):
    """Bass line following the chord roots with the recipe's pattern.

    Parameters
    ----------
    recipe : _Recipe
        Genre recipe.
    times : ndarray of shape (n_bars, 16)
        Step start times, in seconds.
    chords : tuple of ndarray
        Output of :func:`_chord_roots`: roots (n_bars,) and intervals (n_bars, 4).
    key : int
        MIDI pitch of the key's root in the bass register.
    n_samples : int
        Output length, in samples.
    sample_rate : int
        Sampling rate, in Hz.
    rng : numpy.random.RandomState
        Source of the random variations.

    Returns
    -------
    bass : ndarray of shape (n_samples,)
    """
    roots, intervals = chords
    roots = np.where(roots > 6, roots - 12, roots)  # keep the bass in its register
    plays = np.array([char != "." for char in recipe.bass_pattern])
    bars, steps = np.nonzero(np.broadcast_to(plays, times.shape))
    chars = np.array(list(recipe.bass_pattern))[steps]
    offset = np.zeros(len(steps))
    for char, semitones in _BASS_STEPS.items():
        offset[chars == char] = semitones
    third = chars == "t"
    offset[third] = intervals[bars[third], 1]
    walk = chars == "w"
    tones = intervals[bars[walk], rng.randint(0, 3, walk.sum())]
    offset[walk] = tones + rng.choice([0, 0, 0, -1, 2, 12], walk.sum())
    onsets = times[bars, steps]
    notes = key + roots[bars] + offset
    gates = _gates(onsets, recipe.bass_legato, last=times[0, 4] - times[0, 0])
    velocity = rng.uniform(0.8, 1.0, len(onsets))
    bass = _render(
        onsets,
        gates,
        notes,
        velocity,
        n_samples,
        sample_rate,
        recipe.bass_wave,
        0.005,
        recipe.bass_decay,
    )
    return _lowpass(bass, recipe.bass_cutoff, sample_rate)


def _chords(recipe, times, chords, key, n_samples, sample_rate, rng):
    """Chord instrument (guitar, keys or pad), with distortion and ducking.

    Parameters
    ----------
    recipe : _Recipe
        Genre recipe.
    times : ndarray of shape (n_bars, 16)
        Step start times, in seconds.
    chords : tuple of ndarray
        Output of :func:`_chord_roots`.
    key : int
        MIDI pitch of the key's root in the bass register; chords sound one
        octave higher.
    n_samples : int
        Output length, in samples.
    sample_rate : int
        Sampling rate, in Hz.
    rng : numpy.random.RandomState
        Source of the random variations.

    Returns
    -------
    chords : ndarray of shape (n_samples,)
    """
    roots, intervals = chords
    velocity_grid = np.broadcast_to(_velocities(recipe.chord_pattern), times.shape)
    bars, steps = np.nonzero(velocity_grid > 0)
    onsets = times[bars, steps]
    notes = key + 12 + roots[bars, None] + intervals[bars]
    velocity = velocity_grid[bars, steps] * rng.uniform(0.85, 1.0, len(onsets))
    gates = _gates(onsets, recipe.chord_legato, last=times[0, 4] - times[0, 0])
    out = _render(
        onsets,
        gates,
        notes,
        velocity,
        n_samples,
        sample_rate,
        recipe.chord_wave,
        recipe.chord_attack,
        recipe.chord_decay,
        detune=recipe.chord_detune,
    )
    if recipe.distortion:
        drive = recipe.distortion * rng.uniform(0.8, 1.2)
        out = np.tanh(drive * out / 2.0) / np.tanh(drive)
    out = _lowpass(out, recipe.chord_cutoff * rng.uniform(0.8, 1.25), sample_rate)
    if recipe.pump:
        beat = times[0, 4] - times[0, 0]
        since_beat = (np.arange(n_samples) / sample_rate) % beat
        out *= 1.0 - recipe.pump * np.exp(-since_beat / (0.25 * beat))
    return out


def _lead(recipe, times, chords, key, n_samples, sample_rate, rng):
    """Lead melody: random walk on the recipe's scale, or a chord arpeggio.

    Parameters
    ----------
    recipe : _Recipe
        Genre recipe.
    times : ndarray of shape (n_bars, 16)
        Step start times, in seconds.
    chords : tuple of ndarray
        Output of :func:`_chord_roots`.
    key : int
        MIDI pitch of the key's root in the bass register; the melody sounds
        two to three octaves higher.
    n_samples : int
        Output length, in samples.
    sample_rate : int
        Sampling rate, in Hz.
    rng : numpy.random.RandomState
        Source of the random variations.

    Returns
    -------
    lead : ndarray of shape (n_samples,)
    """
    roots, intervals = chords
    n_bars = len(times)
    if recipe.lead_arp:
        bars, steps = np.divmod(np.arange(n_bars * 16), 16)
        order = rng.permutation(4)[np.arange(16) % 4]
        notes = key + 24 + roots[bars] + intervals[bars, order[steps]]
    else:
        # Onsets more likely on beats than on off-beats.
        weight = np.tile([2.0, 0.5, 1.0, 0.5], 4)
        prob = np.minimum(1.0, recipe.lead_density * weight / weight.sum())
        play = rng.rand(n_bars, 16) < prob[None, :]
        play &= rng.rand(n_bars, 16) > 0.1  # occasional rests
        bars, steps = np.nonzero(play)
        scale = np.array(_SCALES[recipe.lead_scale])
        moves = rng.choice([-2, -1, -1, 0, 1, 1, 2], len(bars))
        start = rng.randint(len(scale), 2 * len(scale))
        # Random walk over three octaves of the scale, reflected at the ends.
        top = 3 * len(scale) - 1
        degree = (start + np.cumsum(moves)) % (2 * top)
        degree = np.where(degree > top, 2 * top - degree, degree)
        octave, step_in_scale = np.divmod(degree, len(scale))
        notes = key + 12 + 12 * octave + scale[step_in_scale]
    onsets = times[bars, steps]
    gates = _gates(onsets, 0.9, last=times[0, 4] - times[0, 0])
    gates = np.minimum(gates, 2.0 * (times[0, 4] - times[0, 0]))
    velocity = rng.uniform(0.7, 1.0, len(onsets))
    out = _render(
        onsets,
        gates,
        notes,
        velocity,
        n_samples,
        sample_rate,
        recipe.lead_wave,
        recipe.lead_attack,
        recipe.lead_decay,
        vibrato=recipe.lead_vibrato,
    )
    return _lowpass(out, recipe.lead_cutoff, sample_rate)


def _song(recipe, duration, sample_rate, rng):
    """Render one song.

    Parameters
    ----------
    recipe : _Recipe
        Genre recipe.
    duration : float
        Length, in seconds.
    sample_rate : int
        Sampling rate, in Hz.
    rng : numpy.random.RandomState
        Source of the song's tempo, key, melody, mix and gain.

    Returns
    -------
    song : ndarray of shape (max(1, round(duration * sample_rate)),)
        Mono signal with peak amplitude in [0.5, 0.9] (unless silent).
    """
    n_samples = max(1, round(duration * sample_rate))
    bpm = rng.uniform(*recipe.bpm)
    n_bars = math.ceil(duration / (240.0 / bpm)) + 1
    times = _step_times(n_bars, bpm, recipe.swing)
    key = rng.randint(recipe.bass_root[0], recipe.bass_root[1] + 1)
    chords = _chord_roots(recipe, n_bars, offset=rng.randint(len(recipe.progression)))

    stems = []
    levels = []
    if recipe.drums:
        stems.append(_drum_track(recipe, times, n_samples, sample_rate, rng))
        levels.append(recipe.drums)
    for make, level in (
        (_bass_line, recipe.bass),
        (_chords, recipe.chords),
        (_lead, recipe.lead),
    ):
        if level:
            stems.append(make(recipe, times, chords, key, n_samples, sample_rate, rng))
            levels.append(level)

    mix = np.zeros(n_samples)
    for stem, level in zip(stems, levels, strict=True):
        rms = np.sqrt(np.mean(stem**2))
        if rms > 0:
            mix += stem * (level * rng.lognormal(0.0, 0.2) / rms)
    rms = np.sqrt(np.mean(mix**2)) or 1.0
    mix += recipe.noise * rng.lognormal(0.0, 0.3) * rms * rng.standard_normal(n_samples)

    fade = min(n_samples // 2, int(0.01 * sample_rate))
    if fade:
        ramp = np.arange(1, fade + 1) / (fade + 1)
        mix[:fade] *= ramp
        mix[n_samples - fade :] *= ramp[::-1]
    peak = np.max(np.abs(mix))
    if peak > 0:
        mix *= rng.uniform(0.5, 0.9) / peak
    return mix


# --------------------------------------------------------------------------
# make_songs
# --------------------------------------------------------------------------


def _check_make_songs_args(genres, n_per_genre, duration, sample_rate):
    """Validate the arguments of :func:`make_songs`; return genres as a tuple."""
    if (
        isinstance(n_per_genre, bool)
        or not isinstance(n_per_genre, numbers.Integral)
        or n_per_genre < 1
    ):
        raise ValueError(f"n_per_genre must be an integer >= 1, got {n_per_genre!r}.")
    if (
        isinstance(duration, bool)
        or not isinstance(duration, numbers.Real)
        or not math.isfinite(duration)
        or duration <= 0
    ):
        raise ValueError(
            f"duration must be a finite number of seconds > 0, got {duration!r}."
        )
    if (
        isinstance(sample_rate, bool)
        or not isinstance(sample_rate, numbers.Integral)
        or sample_rate < 4000
    ):
        raise ValueError(
            f"sample_rate must be an integer >= 4000 (Hz), got {sample_rate!r}."
        )
    if isinstance(genres, str | bytes) or not hasattr(genres, "__iter__"):
        raise ValueError(
            "genres must be a non-empty sequence of unique genre names, "
            f"got {genres!r}."
        )
    genres = tuple(genres)
    if not genres:
        raise ValueError(
            "genres must be a non-empty sequence of unique genre names, "
            "got an empty one."
        )
    for genre in genres:
        if (
            not isinstance(genre, str)
            or not genre
            or genre.startswith(".")
            or "/" in genre
            or os.sep in genre
            or (os.altsep and os.altsep in genre)
        ):
            raise ValueError(
                "genres must hold non-empty strings usable as folder names "
                "(no path separator, not starting with '.'), "
                f"got {genre!r} in {genres!r}."
            )
    if len(set(genres)) != len(genres):
        duplicated = sorted({genre for genre in genres if genres.count(genre) > 1})
        raise ValueError(
            f"genres must be unique, got duplicates {duplicated} in {genres!r}."
        )
    return genres


def make_songs(
    out_dir,
    genres=("rock", "metal", "blues"),
    n_per_genre=10,
    duration=30.0,
    sample_rate=22050,
    random_state=None,
):
    """Write synthetic songs of several genres as WAV files.

    Each song is a loop of drums, bass, chords and a lead melody rendered
    from a genre recipe. Genres differ in tempo, rhythm patterns, swing,
    timbre (waveform and brightness of each instrument), distortion, noise,
    bass line and chord progression; songs of one genre differ in tempo,
    key, melody, mix levels, drum sounds and gain. Features such as MFCC
    statistics of a few seconds of audio separate the genres well above
    chance, without making the task trivial.

    Built-in recipes exist for ``"rock"``, ``"metal"``, ``"blues"``,
    ``"classical"``, ``"jazz"``, ``"disco"``, ``"hiphop"``, ``"pop"``,
    ``"reggae"``, ``"country"`` and ``"electronic"``; any other name gets a
    recipe derived deterministically from its position in ``genres``.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Folder to write to; created if needed. Songs go to
        ``out_dir/<genre>/<genre>.<index:03d>.wav``, overwriting files of
        the same name, so the folder can be read back with
        :func:`load_folder`.
    genres : sequence of str, default=("rock", "metal", "blues")
        Unique genre names, used as labels and folder names.
    n_per_genre : int, default=10
        Number of songs per genre, >= 1.
    duration : float, default=30.0
        Length of each song, in seconds, > 0.
    sample_rate : int, default=22050
        Sampling rate of the files, in Hz, >= 4000.
    random_state : int, RandomState instance or None, default=None
        Seed of the songs' random variations. Pass an int for byte-identical
        files across calls.

    Returns
    -------
    paths : ndarray of str objects, shape (len(genres) * n_per_genre,)
        Paths of the written files, grouped by genre in the order of
        ``genres``, then by index.
    labels : ndarray of str objects, shape (len(genres) * n_per_genre,)
        Genre of each file.

    Raises
    ------
    ValueError
        If an argument is out of range or ``genres`` is empty, holds a
        non-string, a name unusable as a folder name or a duplicate.

    Notes
    -----
    Files are mono, 16-bit PCM WAV with ``round(duration * sample_rate)``
    frames (at least one), peak-normalised to a random amplitude in
    [0.5, 0.9]. Rendering is vectorised with NumPy and SciPy: 30 songs of
    30 s at 22050 Hz take about 3 s on a 2-core machine.

    Examples
    --------
    >>> import tempfile
    >>> from skgenre.datasets import make_songs
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths, labels = make_songs(folder, n_per_genre=2, duration=1.0,
    ...                                random_state=0)
    >>> labels.tolist()
    ['rock', 'rock', 'metal', 'metal', 'blues', 'blues']
    """
    genres = _check_make_songs_args(genres, n_per_genre, duration, sample_rate)
    n_per_genre = int(n_per_genre)
    sample_rate = int(sample_rate)
    duration = float(duration)
    rng = check_random_state(random_state)
    # One seed per song, drawn genre by genre, so each song has its own stream.
    seeds = rng.randint(0, 2**31 - 1, size=(len(genres), n_per_genre))

    out_dir = Path(out_dir)
    paths, labels = [], []
    for position, genre in enumerate(genres):
        recipe = _RECIPES.get(genre)
        if recipe is None:
            recipe = _derived_recipe(position)
        genre_dir = out_dir / genre
        genre_dir.mkdir(parents=True, exist_ok=True)
        for index in range(n_per_genre):
            song = _song(
                recipe,
                duration,
                sample_rate,
                np.random.RandomState(seeds[position, index]),
            )
            path = genre_dir / f"{genre}.{index:03d}.wav"
            sf.write(path, song, sample_rate, subtype="PCM_16", format="WAV")
            paths.append(str(path))
            labels.append(genre)
    return np.array(paths, dtype=object), np.array(labels, dtype=object)
