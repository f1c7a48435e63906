"""Synthesiser of :func:`~skgenre.datasets.make_songs`: plays a genre recipe.

Oscillators and filters, a note renderer, the step grid of a 4/4 bar, and
the four instruments (drums, bass, chords, lead) that :func:`render_song`
mixes into one song. Everything is vectorised with NumPy and SciPy and all
randomness comes from the ``rng`` passed in, so a seed gives the same song.
The recipes themselves are in :mod:`skgenre.datasets._recipes`.
"""

import math

import numpy as np
from scipy import signal

from ._recipes import BASS_STEPS, CHORDS, SCALES, VELOCITY, WAVES


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
    raise ValueError(f"Unknown waveform {wave!r}; expected one of {WAVES}.")


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
        Oscillator waveform, one of ``WAVES``.
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
    return np.array([VELOCITY[char] for char in pattern])


def _gates(onsets, legato, last):
    """Note lengths in seconds: ``legato`` times the gap to the next onset."""
    gaps = np.diff(onsets, append=onsets[-1] + last) if len(onsets) else onsets
    return gaps * legato


def _drum_sounds(recipe, sample_rate, rng):
    """One-shot drum samples (kick, snare, closed hat, open hat), 1-D arrays."""

    def time(seconds):
        return np.arange(int(seconds * sample_rate)) / sample_rate

    # ``** song_spread`` shrinks a song's own variation (1.0 leaves the draw
    # exactly as it was, so legacy songs stay byte-identical).
    spread = recipe.song_spread
    tone = recipe.kick_tone * rng.uniform(0.9, 1.1) ** spread
    t = time(min(1.5, 5 * recipe.kick_decay))
    cycles = np.cumsum(tone * (1.0 + 3.0 * np.exp(-t / 0.03))) / sample_rate
    kick = np.sin(2 * np.pi * cycles) * np.exp(-t / recipe.kick_decay)
    kick[: len(t) // 50] += rng.uniform(-0.3, 0.3, len(t) // 50)

    t = time(min(1.0, 5 * recipe.snare_decay))
    body = np.sin(2 * np.pi * rng.uniform(*recipe.snare_tone) * t) * np.exp(-t / 0.04)
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
    recipe : Recipe
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
    intervals = np.array([CHORDS[quality] for _, quality in chords])
    return roots, intervals


def _bass_line(recipe, times, chords, key, n_samples, sample_rate, rng):
    """Bass line following the chord roots with the recipe's pattern.

    Parameters
    ----------
    recipe : Recipe
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
    for char, semitones in BASS_STEPS.items():
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
    recipe : Recipe
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
        drive = recipe.distortion * rng.uniform(0.8, 1.2) ** recipe.song_spread
        out = np.tanh(drive * out / 2.0) / np.tanh(drive)
    cutoff = recipe.chord_cutoff * rng.uniform(0.8, 1.25) ** recipe.song_spread
    out = _lowpass(out, cutoff, sample_rate)
    if recipe.pump:
        beat = times[0, 4] - times[0, 0]
        since_beat = (np.arange(n_samples) / sample_rate) % beat
        out *= 1.0 - recipe.pump * np.exp(-since_beat / (0.25 * beat))
    return out


def _lead(recipe, times, chords, key, n_samples, sample_rate, rng):
    """Lead melody: random walk on the recipe's scale, or a chord arpeggio.

    Parameters
    ----------
    recipe : Recipe
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
        scale = np.array(SCALES[recipe.lead_scale])
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


def render_song(recipe, duration, sample_rate, rng):
    """Render one song.

    Parameters
    ----------
    recipe : Recipe
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
            level = level * rng.lognormal(0.0, 0.2) ** recipe.song_spread
            mix += stem * (level / rms)
    rms = np.sqrt(np.mean(mix**2)) or 1.0
    noise = recipe.noise * rng.lognormal(0.0, 0.3) ** recipe.song_spread
    mix += noise * rms * rng.standard_normal(n_samples)

    fade = min(n_samples // 2, int(0.01 * sample_rate))
    if fade:
        ramp = np.arange(1, fade + 1) / (fade + 1)
        mix[:fade] *= ramp
        mix[n_samples - fade :] *= ramp[::-1]
    peak = np.max(np.abs(mix))
    if peak > 0:
        mix *= rng.uniform(0.5, 0.9) / peak
    return mix
