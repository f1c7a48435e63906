"""``max_windows``: a few windows spread over each song, decoding only them.

Tolerances, where parts of a song are decoded and resampled alone and
compared with the whole song's samples (``AudioReader``):

* samples: ``atol=1e-5``.  soxr's transient at a part's edge fades below
  1e-6 within 11 ms and each part is decoded with 0.1 s on either side, so
  what is left is float32 rounding (3.6e-7 measured); files at the target
  rate are equal exactly.
* MFCC and log-mel windows (dB): ``atol=1e-3``; 5.3e-5 measured, on values
  up to about 1000.
* musicnn patches: ``atol=1e-3``.  musicnn rounds mel power to float16 before
  its log, so a 1e-7 change can move a band by one float16 step, at most
  ``log10(1 + 2**-10) = 4.3e-4`` after the log (4.2e-4 measured).
* embeddings: ``atol=2e-4``; 3.3e-5 measured.
"""

import json

import numpy as np
import pytest
import scipy.signal
import soundfile as sf
from conftest import write_tone
from sklearn.base import clone

from skgenre import WindowEmbedder, WindowMFCCTransformer
from skgenre.audio import AudioReader, load_audio
from skgenre.frontends import embedder, features
from skgenre.persistence import _json_params
from skgenre.windows import select_windows

SR = 44100
SECONDS = 20.0

# name -> (soundfile subtype, whether AudioReader decodes only the parts)
FORMATS = {
    "a.wav": (None, True),
    "a.flac": (None, True),
    "a.ogg": ("VORBIS", False),  # libsndfile seeks Vorbis wrongly: decoded whole
    "a.mp3": ("MPEG_LAYER_III", True),
}


def _music_like(seconds, sr, seed=0):
    """A chirp and noise: every window differs from the others."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.3 * scipy.signal.chirp(t, 200, t[-1], 4000) + 0.05 * rng.standard_normal(
        t.size
    )
    return y.astype(np.float32)


@pytest.fixture(scope="module")
def songs(tmp_path_factory):
    """20 s songs at 44.1 kHz, one per format: name -> path."""
    d = tmp_path_factory.mktemp("max_windows")
    y = _music_like(SECONDS, SR)
    paths = {}
    for name, (subtype, _) in FORMATS.items():
        ext = name.split(".")[1].upper()
        if subtype and subtype not in sf.available_subtypes(ext):
            continue
        sf.write(d / name, y, SR, subtype=subtype)
        paths[name] = str(d / name)
    return paths


def _song(songs, name):
    if name not in songs:
        pytest.skip(f"libsndfile cannot write {name}")
    return songs[name]


def _expected_part(y, start, stop):
    part = np.zeros(stop - start, dtype=np.float32)
    lo, hi = max(start, 0), min(stop, y.shape[0])
    part[lo - start : hi - start] = y[lo:hi]
    return part


# ------------------------------------------------------------- which windows


def test_select_windows_spreads_them_evenly_first_and_last_included():
    kept = select_windows(80, 16)
    assert kept[0] == 0 and kept[-1] == 79 and len(kept) == 16
    assert set(np.diff(kept)) <= {5, 6}  # 79 / 15 = 5.27 windows apart
    np.testing.assert_array_equal(kept, select_windows(80, 16))  # deterministic
    np.testing.assert_array_equal(select_windows(5, 16), np.arange(5))
    np.testing.assert_array_equal(select_windows(5, 5), np.arange(5))
    np.testing.assert_array_equal(select_windows(7, None), np.arange(7))
    np.testing.assert_array_equal(select_windows(7, 1), [0])
    np.testing.assert_array_equal(select_windows(7, 2), [0, 6])


# ------------------------------------------------ decoding only the parts


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("rate, offset", [(16000, 0.0), (22050, 1.3), (SR, 0.0)])
def test_parts_equal_the_whole_signal(songs, name, rate, offset):
    path = _song(songs, name)
    y = load_audio(path, sample_rate=rate, offset=offset)
    audio = AudioReader(path, sample_rate=rate, offset=offset)
    assert audio.seeks is FORMATS[name][1]
    assert audio.n_samples == y.shape[0]
    n = y.shape[0]
    spans = [
        (-500, 3000),
        (rate * 5 + 7, rate * 8),
        (n // 2, n // 2 + 100),
        (n - 99, n + 400),
    ]
    for part, (start, stop) in zip(audio.read_parts(spans), spans, strict=True):
        assert part.dtype == np.float32 and part.shape == (stop - start,)
        np.testing.assert_allclose(part, _expected_part(y, start, stop), atol=1e-5)


def test_parts_of_a_cut_song(songs):
    # song_length and offset: the parts of the 10 s the whole decode reads.
    path = songs["a.wav"]
    y = load_audio(path, sample_rate=16000, offset=2.0, duration=10.0)
    audio = AudioReader(path, sample_rate=16000, offset=2.0, duration=10.0)
    assert audio.n_samples == y.shape[0] == 160000
    (part,) = audio.read_parts([(150000, 170000)])
    np.testing.assert_allclose(part, _expected_part(y, 150000, 170000), atol=1e-5)


LONG_RATE = 11025  # a long MP3 encodes in 0.5 s


@pytest.fixture(scope="module")
def long_songs(tmp_path_factory):
    """90 s songs, WAV and MP3 (with its Xing/LAME header)."""
    d = tmp_path_factory.mktemp("long")
    y = _music_like(90.0, LONG_RATE)
    paths = {"wav": str(d / "long.wav")}
    sf.write(paths["wav"], y, LONG_RATE)
    if "MPEG_LAYER_III" in sf.available_subtypes("MP3"):
        paths["mp3"] = str(d / "long.mp3")
        # Low-bitrate VBR: mpg123 seeks it wrongly 3 times in 4 (measured)
        # without a pre-roll.
        sf.write(
            paths["mp3"], y, LONG_RATE, bitrate_mode="VARIABLE", compression_level=0.9
        )
    return paths


@pytest.fixture
def frames_read(monkeypatch):
    """List of the frames each ``soundfile.SoundFile.read`` call returned."""
    calls = []
    real = sf.SoundFile.read

    def counting(self, frames=-1, *args, **kwargs):
        out = real(self, frames, *args, **kwargs)
        calls.append(out.shape[0])
        return out

    monkeypatch.setattr(sf.SoundFile, "read", counting)
    return calls


@pytest.mark.parametrize("fmt", ["wav", "mp3"])
def test_only_the_kept_windows_are_decoded(long_songs, frames_read, fmt):
    if fmt not in long_songs:
        pytest.skip("libsndfile cannot write MP3")
    path, total = long_songs[fmt], 90 * LONG_RATE
    mfcc = WindowMFCCTransformer(song_length=None, max_windows=2).feature_settings()
    assert features.song_features(path, mfcc).shape[0] == 2  # of 35
    # Two 5 s windows of 90 s, with their margins (and the MP3's end check
    # and pre-roll).
    assert sum(frames_read) < 0.15 * total
    frames_read.clear()
    musicnn = WindowEmbedder(max_windows=2).feature_settings()
    assert embedder.song_patches(path, musicnn).shape[0] == 2  # of 30
    assert sum(frames_read) < 0.1 * total
    frames_read.clear()
    every = features.song_features(path, mfcc._replace(max_windows=None))
    assert sum(frames_read) == total  # all windows: the whole song
    kept = features.song_features(path, mfcc)
    np.testing.assert_allclose(kept, every[[0, 34]], atol=1e-3)


@pytest.mark.parametrize("rate", [LONG_RATE, 16000])
def test_parts_of_a_long_mp3_at_a_low_rate(long_songs, rate):
    # MPEG-2.5 (11.025 kHz): mpg123 seeks with too little of the bit
    # reservoir; the parts are decoded from 9216 samples earlier.  At the
    # file's own rate nothing else hides a wrong sample.
    if "mp3" not in long_songs:
        pytest.skip("libsndfile cannot write MP3")
    path = long_songs["mp3"]
    y = load_audio(path, sample_rate=rate)
    audio = AudioReader(path, sample_rate=rate)
    assert audio.seeks
    starts = np.random.default_rng(0).integers(0, y.shape[0], size=12)
    spans = [(start, start + 3000) for start in starts]
    for part, (start, stop) in zip(audio.read_parts(spans), spans, strict=True):
        np.testing.assert_allclose(part, _expected_part(y, start, stop), atol=1e-5)


def test_a_file_that_cannot_seek_is_decoded_whole_with_the_same_windows(
    tmp_path, songs
):
    # A truncated MP3 announces more frames than it holds: its length is
    # only known by decoding it all.
    path = _song(songs, "a.mp3")
    cut = tmp_path / "cut.mp3"
    data = open(path, "rb").read()
    cut.write_bytes(data[: len(data) * 3 // 4])
    assert not AudioReader(cut, sample_rate=22050).seeks
    s = WindowMFCCTransformer(song_length=None).feature_settings()
    every = features.song_features(str(cut), s)
    kept = features.song_features(str(cut), s._replace(max_windows=3))
    np.testing.assert_array_equal(kept, every[select_windows(len(every), 3)])


# ------------------------------------------- the windows equal all windows'


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize(
    "params",
    [
        {"song_length": None},
        {"song_length": 15.0, "offset": 1.3, "features": "logmel"},
        {"song_length": 30.0, "sample_rate": 16000},  # 10 s of zero padding
    ],
)
def test_mfcc_windows_equal_the_same_windows_of_the_whole_song(songs, name, params):
    path = _song(songs, name)
    every = WindowMFCCTransformer(**params).transform([path])[0]
    kept = WindowMFCCTransformer(max_windows=3, **params).transform([path])[0]
    index = select_windows(len(every), 3)
    assert len(every) > 3 and kept.shape == (3, *every.shape[1:])
    np.testing.assert_allclose(kept, every[index], atol=1e-3)


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("params", [{}, {"window_hop": 1.0, "offset": 0.7}])
def test_musicnn_patches_equal_the_same_patches_of_the_whole_song(songs, name, params):
    path = _song(songs, name)
    s = WindowEmbedder(**params).feature_settings()
    every = embedder.song_patches(path, s)
    kept = embedder.song_patches(path, s._replace(max_windows=3))
    assert len(every) > 3 and kept.shape == (3, 187, 96)
    np.testing.assert_allclose(kept, every[select_windows(len(every), 3)], atol=1e-3)


def test_embeddings_equal_the_same_windows_of_the_whole_song(songs):
    path = songs["a.wav"]
    every = WindowEmbedder().transform([path])[0]
    kept = WindowEmbedder(max_windows=3).transform([path])[0]
    assert every.shape == (6, 200) and kept.shape == (3, 200)
    np.testing.assert_allclose(kept, every[[0, 2, 5]], atol=2e-4)


def test_songs_with_fewer_windows_keep_all_of_them(tmp_path):
    # 12 s: 4 windows of musicnn, 3 of 5 s; 1.5 s: padded to one window.
    paths = [
        write_tone(tmp_path / "a.wav", seconds=12.0, sr=SR),
        write_tone(tmp_path / "b.wav", seconds=1.5, sr=SR),
    ]
    for song_length, max_windows in [(None, 5), (10.0, 3)]:  # 3 windows each
        transformer = WindowMFCCTransformer(song_length=song_length)
        every = transformer.transform(paths)
        few = transformer.set_params(max_windows=max_windows).transform(paths)
        np.testing.assert_array_equal(few, every)
    s = WindowEmbedder().feature_settings()
    for path in paths:
        every = embedder.song_patches(path, s)
        np.testing.assert_array_equal(
            embedder.song_patches(path, s._replace(max_windows=4)), every
        )


# ------------------------------------------------- a parameter like any other


@pytest.mark.parametrize("cls", [WindowEmbedder, WindowMFCCTransformer])
@pytest.mark.parametrize("value", [0, -1, 2.5, True, "3"])
def test_invalid_max_windows_is_named(cls, value):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: invalid max_windows="):
        cls(max_windows=value).fit()
    with pytest.raises(ValueError, match=r"expected None or an int >= 1"):
        cls(max_windows=value).feature_settings()


@pytest.mark.parametrize("cls", [WindowEmbedder, WindowMFCCTransformer])
def test_max_windows_is_a_hyper_parameter(cls):
    transformer = cls()
    assert transformer.get_params()["max_windows"] is None
    tuned = clone(transformer).set_params(max_windows=np.int64(3))  # as GridSearchCV
    assert clone(tuned).get_params()["max_windows"] == 3
    assert tuned.feature_settings().max_windows == 3
    assert tuned.feature_settings() != transformer.feature_settings()  # cache key
    # Model files store the parameters as JSON (the file's own round trip
    # imports Keras: tests/test_persistence.py).
    assert json.loads(json.dumps(_json_params(tuned)))["max_windows"] == 3


@pytest.mark.parametrize("cls", [WindowEmbedder, WindowMFCCTransformer])
def test_model_files_from_before_max_windows_load_with_none(cls):
    # Model files hold get_params(): older ones have no max_windows.
    transformer = cls()
    params = transformer.get_params()
    del params["max_windows"]
    state, _ = transformer._export_state()
    assert cls._restore_state(params, state, None).max_windows is None


def test_the_cache_keeps_max_windows_apart(songs, tmp_path, count_extractions):
    path = songs["a.wav"]
    every = WindowMFCCTransformer(song_length=None, memory=tmp_path)
    kept = clone(every).set_params(max_windows=3)
    assert every.transform([path]).shape[1] == 7
    assert kept.transform([path]).shape[1] == 3
    assert every.transform([path]).shape[1] == 7
    assert kept.transform([path]).shape[1] == 3
    assert count_extractions == [path, path]  # then both from the cache
    assert kept.fit().n_windows_ is None
    assert kept.set_params(song_length=60.0).fit().n_windows_ == 3


# ------------------------------------------------------------ window times


def test_window_start_times_of_the_kept_windows(songs):
    path = songs["a.wav"]
    mfcc = WindowMFCCTransformer(song_length=None, max_windows=3)
    np.testing.assert_allclose(mfcc.song_window_starts(path), [0.0, 7.5, 15.0])
    s = mfcc.feature_settings()
    np.testing.assert_allclose(s.window_starts(3, song_windows=7), [0.0, 7.5, 15.0])
    np.testing.assert_allclose(s.window_starts(2), [0.0, 2.5])  # all kept
    with pytest.raises(ValueError, match="max_windows=3 keeps windows spread"):
        s.window_starts(3)  # which 3 of how many?
    fixed = WindowMFCCTransformer(song_length=12.5, max_windows=3).feature_settings()
    np.testing.assert_allclose(fixed.window_starts(3), [0.0, 5.0, 7.5])  # of 4
    musicnn = WindowEmbedder(max_windows=3, offset=1.0)
    patch = 187 * 256 / 16000
    np.testing.assert_allclose(
        musicnn.song_window_starts(path), 1.0 + np.array([0, 2, 5]) * patch
    )
    np.testing.assert_allclose(
        WindowEmbedder().song_window_starts(path), np.arange(6) * patch
    )
