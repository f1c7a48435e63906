"""Genre recipes of :func:`~skgenre.datasets.make_songs`.

A :class:`Recipe` holds what makes a genre sound like itself: tempo range,
chord progression, swing, drum, bass and chord patterns, the timbre of each
instrument, distortion and background noise. :data:`RECIPES` has the built-in
genres; :func:`derived_recipe` draws one for any other genre name and
:func:`artist_recipe` one artist's variant of a genre. The synthesiser that
plays a recipe is in :mod:`skgenre.datasets._synth`.
"""

from dataclasses import dataclass, replace

import numpy as np

# Semitone intervals of chord qualities; always four voices.
CHORDS = {
    "maj": (0, 4, 7, 12),
    "min": (0, 3, 7, 12),
    "dom7": (0, 4, 7, 10),
    "min7": (0, 3, 7, 10),
    "maj7": (0, 4, 7, 11),
    "power": (0, 7, 12, 19),
}

# Semitone steps of the scales used by the lead melodies.
SCALES = {
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
VELOCITY = {".": 0.0, "x": 1.0, "o": 0.5}

# Semitones above the chord root of a step in a bass pattern; "t" is the
# chord's third and "w" a walking note (random chord tone or neighbour).
BASS_STEPS = {"r": 0, "f": 7, "s": 9, "b": 10, "o": 12}

# Oscillator waveforms an instrument can use.
WAVES = ("sine", "triangle", "saw", "square", "pulse")


@dataclass(frozen=True)
class Recipe:
    """Parameters that make a genre sound like itself.

    Patterns are 16 steps (sixteenth notes of one 4/4 bar). Drum and chord
    patterns use ``"x"`` (hit), ``"o"`` (soft hit) and ``"."`` (rest); bass
    patterns use the keys of ``BASS_STEPS`` plus ``"t"`` and ``"w"``.
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
    snare_tone: tuple = (170.0, 220.0)  # range of the snare body's pitch, Hz
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
    # exponent of each song's own timbre and mix variation: 1 = a genre's
    # spread, smaller for the songs of one artist
    song_spread: float = 1.0


_I_V_VI_IV = ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj"))
_TWELVE_BAR = tuple((degree, "dom7") for degree in (0, 0, 0, 0, 5, 5, 0, 0, 7, 5, 0, 7))

# Built-in genres, by name.
RECIPES = {
    "rock": Recipe(
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
    "metal": Recipe(
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
    "blues": Recipe(
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
    "classical": Recipe(
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
    "jazz": Recipe(
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
    "disco": Recipe(
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
    "hiphop": Recipe(
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
    "pop": Recipe(
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
    "reggae": Recipe(
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
    "country": Recipe(
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
    "electronic": Recipe(
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


def derived_recipe(position):
    """Recipe of a genre without a built-in one, drawn from its position.

    Parameters
    ----------
    position : int
        Index of the genre in the ``genres`` argument of
        :func:`~skgenre.datasets.make_songs`.

    Returns
    -------
    recipe : Recipe
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
    return Recipe(
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
        bass_wave=WAVES[position % len(WAVES)],
        bass_cutoff=float(np.exp(rng.uniform(np.log(300), np.log(1500)))),
        chords=float(rng.uniform(0.3, 1.0)),
        chord_pattern="x" + pattern(rng.uniform(0.1, 0.5), "x")[1:],
        chord_wave=WAVES[(position * 2 + 1) % len(WAVES)],
        chord_cutoff=float(np.exp(rng.uniform(np.log(800), np.log(6000)))),
        chord_attack=float(rng.choice([0.005, 0.05, 0.2])),
        chord_decay=float(np.exp(rng.uniform(np.log(0.1), np.log(3.0)))),
        distortion=float(rng.choice([0.0, 0.0, rng.uniform(1.0, 10.0)])),
        lead=float(rng.uniform(0.2, 0.9)),
        lead_wave=WAVES[(position * 3 + 2) % len(WAVES)],
        lead_cutoff=float(np.exp(rng.uniform(np.log(1000), np.log(6000)))),
        lead_scale=sorted(SCALES)[position % len(SCALES)],
        lead_density=float(rng.uniform(1.0, 10.0)),
        lead_vibrato=float(rng.choice([0.0, 0.2])),
        noise=float(np.exp(rng.uniform(np.log(0.004), np.log(0.3)))),
    )


def artist_recipe(recipe, rng):
    """Recipe of one artist: the genre's recipe with the artist's own sound.

    An artist keeps the genre's patterns, progression, swing and scale but
    fixes what all its songs share: a narrow tempo range inside the genre's,
    one key, the timbre of each instrument (lead and bass waveforms,
    cutoffs, decays, drum sounds, detune), the distortion, the noise floor
    and the mix levels. Its songs then vary only a little in timbre and mix
    (``song_spread``), besides their melody, chord order and gain.

    Parameters
    ----------
    recipe : Recipe
        Genre recipe.
    rng : numpy.random.RandomState
        Source of the artist's traits.

    Returns
    -------
    recipe : Recipe
    """

    def scaled(value, factor):
        """``value`` times a log-uniform factor in ``[1 / factor, factor]``."""
        return float(value * np.exp(rng.uniform(-np.log(factor), np.log(factor))))

    low, high = recipe.bpm
    width = 0.1 * (high - low)  # a tenth of the genre's tempo range
    start = rng.uniform(low, high - width)
    key = int(rng.randint(recipe.bass_root[0], recipe.bass_root[1] + 1))
    # A waveform change is a strong cue; only half the artists make one.
    lead_wave = recipe.lead_wave
    if rng.rand() < 0.5:
        lead_wave = str(rng.choice(WAVES))
    bass_wave = recipe.bass_wave
    if rng.rand() < 0.5:
        bass_wave = str(rng.choice(WAVES))
    snare = rng.uniform(150.0, 250.0)
    # A genre's detuned pads stay detuned; elsewhere some artists add it.
    if recipe.chord_detune:
        detune = scaled(recipe.chord_detune, 2.2)
    else:
        detune = float(rng.choice([0.0, rng.uniform(4.0, 12.0)]))
    return replace(
        recipe,
        bpm=(start, start + width),
        bass_root=(key, key),
        kick_tone=scaled(recipe.kick_tone, 1.5),
        kick_decay=scaled(recipe.kick_decay, 2.5),
        snare_noise=float(np.clip(recipe.snare_noise + rng.uniform(-0.2, 0.2), 0, 1)),
        snare_decay=scaled(recipe.snare_decay, 2.2),
        snare_tone=(snare, snare * 1.02),
        hat_decay=scaled(recipe.hat_decay, 2.2),
        drums=scaled(recipe.drums, 2.2),
        bass=scaled(recipe.bass, 2.2),
        bass_wave=bass_wave,
        bass_cutoff=scaled(recipe.bass_cutoff, 2.5),
        chords=scaled(recipe.chords, 2.2),
        chord_cutoff=scaled(recipe.chord_cutoff, 3.2),
        chord_detune=detune,
        distortion=scaled(recipe.distortion, 2.5),
        lead=scaled(recipe.lead, 2.5),
        lead_wave=lead_wave,
        lead_cutoff=scaled(recipe.lead_cutoff, 3.2),
        noise=scaled(max(recipe.noise, 0.005), 6.0),
        song_spread=0.3,
    )
