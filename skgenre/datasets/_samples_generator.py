"""Synthetic datasets: :func:`make_songs` writes songs of several genres.

Optionally by synthetic artists, whose songs share a sound (the artist
effect of real collections), with the artist in each file's ID3 tags; or as
medleys of several genres, for multi-label targets.

The package's analogue of :mod:`sklearn.datasets`' ``make_*`` generators.
Arguments are validated here, once; the songs are played by
:mod:`skgenre.datasets._synth` from the recipes of
:mod:`skgenre.datasets._recipes`.
"""

import math
import os
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf
from mutagen.id3 import TALB, TPE1
from mutagen.wave import WAVE
from sklearn.utils import check_random_state

from .._validation import BOOLEAN, check_param, is_int, is_real
from ._recipes import RECIPES, artist_recipe, derived_recipe
from ._synth import render_song

__all__ = ["make_songs"]

# Length of the crossfade between the genres of a medley, in seconds: long
# enough that the join makes no click, short next to a window.
_CROSSFADE = 0.05


def _is_folder_name(name):
    """Whether ``name`` is a non-empty str usable as one folder's name."""
    return (
        isinstance(name, str)
        and bool(name)
        and not name.startswith(".")
        and "/" not in name
        and os.sep not in name
        and not (os.altsep and os.altsep in name)
    )


def _check_make_songs_args(
    genres, n_per_genre, duration, sample_rate, n_artists, return_groups, n_labels
):
    """Validate the arguments of :func:`make_songs`; return genres as a tuple.

    Raises
    ------
    ValueError
        Naming ``make_songs``, the parameter, its value and what would be
        accepted.
    """
    owner = "make_songs"
    check_param(
        owner,
        "n_per_genre",
        n_per_genre,
        is_int(n_per_genre) and n_per_genre >= 1,
        "an int >= 1",
    )
    check_param(
        owner,
        "n_artists",
        n_artists,
        n_artists is None or (is_int(n_artists) and 1 <= n_artists <= n_per_genre),
        f"an int in [1, n_per_genre] or None (n_per_genre={n_per_genre})",
    )
    check_param(
        owner,
        "return_groups",
        return_groups,
        BOOLEAN.accepts(return_groups),
        BOOLEAN.description,
    )
    check_param(
        owner,
        "duration",
        duration,
        is_real(duration) and math.isfinite(duration) and duration > 0,
        "a finite number of seconds > 0",
    )
    check_param(
        owner,
        "sample_rate",
        sample_rate,
        is_int(sample_rate) and sample_rate >= 4000,
        "an int >= 4000 (Hz)",
    )
    names = "a non-empty sequence of unique genre names"
    check_param(
        owner,
        "genres",
        genres,
        not isinstance(genres, str | bytes) and hasattr(genres, "__iter__"),
        names,
    )
    genres = tuple(genres)
    check_param(owner, "genres", genres, len(genres) > 0, names)
    for index, genre in enumerate(genres):
        check_param(
            owner,
            f"genres[{index}]",
            genre,
            _is_folder_name(genre),
            "a non-empty str usable as a folder name (no path separator, "
            "not starting with '.')",
        )
    duplicated = sorted({genre for genre in genres if genres.count(genre) > 1})
    check_param(
        owner,
        "genres",
        genres,
        not duplicated,
        f"unique genre names; {', '.join(map(repr, duplicated))} repeated",
    )
    check_param(
        owner,
        "n_labels",
        n_labels,
        is_int(n_labels) and 1 <= n_labels <= len(genres),
        f"an int in [1, len(genres)] (len(genres)={len(genres)})",
    )
    check_param(
        owner,
        "n_artists",
        n_artists,
        n_artists is None or n_labels == 1,
        f"None when n_labels > 1 (n_labels={n_labels}): medleys of several "
        "genres by artists are not supported",
    )
    return genres


def _tag_artist(path, artist):
    """Write ``artist`` (ID3 TPE1) and its album (TALB) into a WAV file's tags."""
    song = WAVE(path)
    song.add_tags()
    song.tags.add(TPE1(encoding=3, text=[artist]))
    song.tags.add(TALB(encoding=3, text=[f"{artist} album"]))
    song.save()


def make_songs(
    out_dir,
    genres=("rock", "metal", "blues"),
    n_per_genre=10,
    duration=30.0,
    sample_rate=22050,
    random_state=None,
    *,
    n_artists=None,
    n_labels=1,
    return_groups=False,
):
    """Write synthetic songs of several genres as WAV files.

    Each song is a loop of drums, bass, chords and a lead melody rendered
    from a genre recipe. Genres differ in tempo, rhythm patterns, swing,
    timbre (waveform and brightness of each instrument), distortion, noise,
    bass line and chord progression; songs of one genre differ in tempo,
    key, melody, mix levels, drum sounds and gain. Features such as MFCC
    statistics of a few seconds of audio separate the genres well above
    chance, without making the task trivial.

    With ``n_artists``, songs of a genre come from a few synthetic artists
    whose songs share a sound, as in real collections (the "artist effect"):
    cross-validation that puts one artist's songs on both sides of a split
    then flatters, and artist-disjoint splits (``groups``) are honest.

    With ``n_labels=k > 1``, each song is a medley of ``k`` genres played
    one after the other, for multi-label targets (several genres per song):
    its windows move from one genre to the next.

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
        :func:`~skgenre.datasets.load_folder`. Medleys
        (``n_labels > 1``) go to ``out_dir/<g1>+<g2>/<g1>+<g2>.<index:03d>.wav``,
        named by their genres in order of appearance (``+``-joined, ``k``
        names), the index counting the songs of that folder from 0.
    genres : sequence of str, default=("rock", "metal", "blues")
        Unique genre names, used as labels and folder names.
    n_per_genre : int, default=10
        Number of songs per genre, >= 1.
    duration : float, default=30.0
        Length of each song, in seconds, > 0.
    sample_rate : int, default=22050
        Sampling rate of the files, in Hz, >= 4000.
    random_state : int, RandomState instance or None, default=None
        Seed of the songs' (and artists') random variations. Pass an int for
        byte-identical files across calls.
    n_artists : int or None, default=None
        Number of artists per genre, in ``[1, n_per_genre]``. Each genre's
        songs are dealt to its artists in contiguous blocks of
        ``n_per_genre // n_artists`` or one more songs (songs 0, 1, ... by
        the first artist), and the artist and album are written into each
        file's ID3 tags (``TPE1``, ``TALB``). ``None``: every song is
        independent and files carry no tags, byte for byte as before
        artists existed. Must be ``None`` when ``n_labels > 1``.
    n_labels : int, default=1
        Number of genres per song, in ``[1, len(genres)]``. ``1``: one genre
        per song, the files byte for byte as before medleys existed.
        ``k > 1``: each song is a medley of ``k`` different genres (see
        Notes): song ``i`` of genre ``g`` starts with ``g``, followed by
        ``k - 1`` of the other genres, drawn at random.
    return_groups : bool, default=False
        Whether to return each song's artist as well, for group-aware
        cross-validation such as
        :class:`~sklearn.model_selection.StratifiedGroupKFold`.

    Returns
    -------
    paths : ndarray of str objects, shape (len(genres) * n_per_genre,)
        Paths of the written files, grouped by genre in the order of
        ``genres`` (for medleys, by first genre), then by index.
    labels : ndarray of objects, shape (len(genres) * n_per_genre,)
        Genre of each file, a str; with ``n_labels > 1``, the genres of
        each medley, a list of ``n_labels`` distinct str in order of
        appearance, ready for
        :class:`~sklearn.preprocessing.MultiLabelBinarizer`.
    groups : ndarray of str objects, shape (len(genres) * n_per_genre,)
        Only if ``return_groups``. Artist of each file, unique across genres
        (``"<genre> artist <k>"``, k from 1), or, with ``n_artists=None``,
        the file's stem (``"<genre>.<index:03d>"``, for a medley
        ``"<g1>+<g2>.<index:03d>"``), so songs of unknown artists are never
        merged into one group.

    Raises
    ------
    ValueError
        If an argument is out of range, ``genres`` is empty, holds a
        non-string, a name unusable as a folder name or a duplicate, or
        ``n_labels > 1`` comes with ``n_artists``.

    See Also
    --------
    sklearn.model_selection.StratifiedGroupKFold : Artist-disjoint folds.

    Notes
    -----
    Files are mono, 16-bit PCM WAV with ``round(duration * sample_rate)``
    frames (at least one), peak-normalised to a random amplitude in
    [0.5, 0.9]. Rendering is vectorised with NumPy and SciPy: 30 songs of
    30 s at 22050 Hz take about 3 s on a 2-core machine.

    An artist is a perturbation of its genre's recipe, drawn from
    ``random_state``: it keeps the genre's rhythm patterns, progression,
    swing and scale, and fixes for all its songs a tempo range a tenth as
    wide as the genre's, one key, the timbre of each instrument (cutoffs,
    drum sounds, detune, sometimes the lead or bass waveform), the amount of
    distortion and noise, and the mix levels. Its songs vary in melody,
    chord order and gain, and only slightly in timbre and mix. Simple
    audio statistics then recognise artists as well as genres: with
    3 genres of 4 artists, stratified cross-validation of MFCC statistics
    scores clearly above artist-disjoint cross-validation, which stays well
    above chance. Song ``i`` of a genre uses the same random stream with or
    without artists, so only the artists' traits differ.

    A medley of ``k`` genres is ``k`` consecutive segments of
    ``n_frames // k`` frames (the last takes the remainder), each played
    from its genre's recipe at that length with the song's random stream
    (which also draws the other genres), joined by 50 ms equal-power
    crossfades so that no join clicks, and peak-normalised like the other
    songs. The files have ``n_frames = round(duration * sample_rate)``
    frames, like single-genre songs, and take as long to render.
    :func:`~skgenre.datasets.load_folder` would label a medley by its
    folder's name (``"rock+jazz"``); use the returned ``labels`` instead.

    Examples
    --------
    >>> import tempfile
    >>> from skgenre.datasets import make_songs
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths, labels = make_songs(folder, n_per_genre=2, duration=1.0,
    ...                                random_state=0)
    >>> labels.tolist()
    ['rock', 'rock', 'metal', 'metal', 'blues', 'blues']

    Artists, for artist-disjoint cross-validation:

    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths, labels, groups = make_songs(
    ...         folder, genres=("rock", "jazz"), n_per_genre=4, duration=1.0,
    ...         random_state=0, n_artists=2, return_groups=True)
    >>> groups.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['rock artist 1', 'rock artist 1', 'rock artist 2', 'rock artist 2',
     'jazz artist 1', 'jazz artist 1', 'jazz artist 2', 'jazz artist 2']

    Medleys of two genres, as a multi-label target:

    >>> from sklearn.preprocessing import MultiLabelBinarizer
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths, labels = make_songs(
    ...         folder, genres=("rock", "jazz", "metal"), n_per_genre=1,
    ...         duration=1.0, random_state=0, n_labels=2)
    >>> labels.tolist()
    [['rock', 'metal'], ['jazz', 'rock'], ['metal', 'rock']]
    >>> binarizer = MultiLabelBinarizer()
    >>> binarizer.fit_transform(labels)
    array([[0, 1, 1],
           [1, 0, 1],
           [0, 1, 1]])
    >>> binarizer.classes_
    array(['jazz', 'metal', 'rock'], dtype=object)
    """
    genres = _check_make_songs_args(
        genres, n_per_genre, duration, sample_rate, n_artists, return_groups, n_labels
    )
    n_per_genre = int(n_per_genre)
    sample_rate = int(sample_rate)
    duration = float(duration)
    rng = check_random_state(random_state)
    # One seed per song, drawn genre by genre, so each song has its own stream.
    seeds = rng.randint(0, 2**31 - 1, size=(len(genres), n_per_genre))
    if n_artists is not None:
        n_artists = int(n_artists)
        # Drawn after the songs' seeds so those stay as without artists.
        artist_seeds = rng.randint(0, 2**31 - 1, size=(len(genres), n_artists))

    out_dir = Path(out_dir)
    if n_labels > 1:
        recipes = [
            RECIPES.get(genre) or derived_recipe(position)
            for position, genre in enumerate(genres)
        ]
        return _make_medleys(
            out_dir,
            genres,
            recipes,
            seeds,
            int(n_labels),
            duration,
            sample_rate,
            return_groups,
        )
    paths, labels, groups = [], [], []
    for position, genre in enumerate(genres):
        recipe = RECIPES.get(genre)
        if recipe is None:
            recipe = derived_recipe(position)
        if n_artists is not None:
            artists = [
                artist_recipe(recipe, np.random.RandomState(seed))
                for seed in artist_seeds[position]
            ]
        genre_dir = out_dir / genre
        genre_dir.mkdir(parents=True, exist_ok=True)
        for index in range(n_per_genre):
            song_recipe, artist = recipe, None
            if n_artists is not None:
                # Contiguous blocks, like GTZAN's consecutive songs of an artist.
                number = index * n_artists // n_per_genre
                song_recipe, artist = artists[number], f"{genre} artist {number + 1}"
            song = render_song(
                song_recipe,
                duration,
                sample_rate,
                np.random.RandomState(seeds[position, index]),
            )
            path = genre_dir / f"{genre}.{index:03d}.wav"
            sf.write(path, song, sample_rate, subtype="PCM_16", format="WAV")
            if artist is not None:
                _tag_artist(path, artist)
            paths.append(str(path))
            labels.append(genre)
            groups.append(path.stem if artist is None else artist)
    paths = np.array(paths, dtype=object)
    labels = np.array(labels, dtype=object)
    if return_groups:
        return paths, labels, np.array(groups, dtype=object)
    return paths, labels


def _make_medleys(
    out_dir, genres, recipes, seeds, n_labels, duration, sample_rate, return_groups
):
    """Write the medleys of :func:`make_songs` (``n_labels > 1``)."""
    paths, labels = [], []
    counts = Counter()  # songs written so far to each folder
    for position, seeds_of_genre in enumerate(seeds):
        others = [other for other in range(len(genres)) if other != position]
        for seed in seeds_of_genre:
            rng = np.random.RandomState(seed)
            drawn = rng.choice(others, size=n_labels - 1, replace=False)
            chosen = [position, *(int(other) for other in drawn)]
            song = _render_medley(
                [recipes[other] for other in chosen], duration, sample_rate, rng
            )
            names = [genres[other] for other in chosen]
            name = "+".join(names)
            folder = out_dir / name
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{name}.{counts[name]:03d}.wav"
            counts[name] += 1
            sf.write(path, song, sample_rate, subtype="PCM_16", format="WAV")
            paths.append(str(path))
            labels.append(names)
    paths = np.array(paths, dtype=object)
    label_array = np.empty(len(labels), dtype=object)
    for index, names in enumerate(labels):
        # Item by item: lists of one length would make np.array 2-D.
        label_array[index] = names
    if return_groups:
        groups = np.array([Path(path).stem for path in paths], dtype=object)
        return paths, label_array, groups
    return paths, label_array


def _render_medley(recipes, duration, sample_rate, rng):
    """Render one medley: a segment per recipe, crossfaded, peak-normalised.

    Parameters
    ----------
    recipes : list of Recipe
        One per segment, in order.
    duration : float
        Length of the whole medley, in seconds.
    sample_rate : int
    rng : numpy.random.RandomState
        The song's random stream, shared by its segments in turn.

    Returns
    -------
    song : ndarray of shape (max(1, round(duration * sample_rate)),)
        Mono signal with peak amplitude in [0.5, 0.9] (unless silent).
    """
    n_samples = max(1, round(duration * sample_rate))
    step = n_samples // len(recipes)
    # Each segment but the last runs ``fade`` frames into the next one.
    fade = min(round(_CROSSFADE * sample_rate), step // 2)
    ramp = 0.5 * np.pi * (np.arange(fade) + 0.5) / max(fade, 1)
    # Equal power: the segments are uncorrelated, so the sum keeps its level.
    fade_in, fade_out = np.sin(ramp), np.cos(ramp)
    mix = np.zeros(n_samples)
    last = len(recipes) - 1
    for number, recipe in enumerate(recipes):
        start = number * step
        length = step + fade if number < last else n_samples - start
        # Rendered at its own length, not cut from a whole song: as fast.
        segment = render_song(recipe, length / sample_rate, sample_rate, rng)
        segment = segment[:length]
        if fade and number > 0:
            segment[:fade] *= fade_in
        if fade and number < last:
            segment[length - fade :] *= fade_out
        mix[start : start + length] += segment
    peak = np.max(np.abs(mix))
    if peak > 0:
        mix *= rng.uniform(0.5, 0.9) / peak
    return mix
