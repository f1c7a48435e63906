import os
import re
import sys

import numpy as np
import pytest
import soundfile as sf
from conftest import write_tone

from skgenre.audio import (
    AudioDecodeError,
    decoded_length,
    fit_length,
    load_audio,
    n_windows_for,
)


@pytest.mark.librosa
def test_load_matches_librosa(real_song):
    import librosa

    ref, _ = librosa.load(real_song, sr=16000, mono=True, offset=2.0, duration=10.0)
    y = load_audio(real_song, sample_rate=16000, offset=2.0, duration=10.0)
    assert y.dtype == np.float32
    assert y.shape == ref.shape
    np.testing.assert_allclose(y, ref, atol=1e-4)


def test_stereo_is_mixed_to_mono(tmp_path):
    path = write_tone(tmp_path / "st.wav", seconds=1.0, channels=2)
    stereo, _ = sf.read(path, dtype="float32")
    y = load_audio(path, sample_rate=22050)
    np.testing.assert_allclose(y, stereo.mean(axis=1), atol=1e-6)


def test_resamples(tmp_path):
    path = write_tone(tmp_path / "a.flac", seconds=2.0, sr=44100)
    assert load_audio(path, sample_rate=22050).shape == (44100,)


def _write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda d: d / "missing.wav", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _write(d / "empty.wav", b""), "empty"),
        (lambda d: _write(d / "text.wav", b"not audio at all"), "not decodable"),
        (lambda d: _write(d / "noise.mp3", bytes(range(256)) * 40), "not decodable"),
    ],
)
@pytest.mark.parametrize("read", [load_audio, decoded_length])
def test_errors_name_file_and_reason(tmp_path, make, reason, read):
    path = make(tmp_path)
    with pytest.raises(AudioDecodeError, match=reason) as info:
        read(path, sample_rate=22050)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "name, sr, subtype",
    [
        ("a.wav", 22050, None),
        ("a.flac", 44100, None),
        ("a.ogg", 16000, "VORBIS"),
        ("a.mp3", 44100, "MPEG_LAYER_III"),
    ],
)
@pytest.mark.parametrize("seconds", [0.3, 4.37])
@pytest.mark.parametrize("offset", [0.0, 1.13, 9.0])
def test_decoded_length_is_the_length_load_audio_returns(
    tmp_path, name, sr, subtype, seconds, offset
):
    if subtype and subtype not in sf.available_subtypes(name.split(".")[1].upper()):
        pytest.skip(f"libsndfile cannot write {subtype}")
    rng = np.random.default_rng(0)
    path = tmp_path / name
    sf.write(path, 0.3 * rng.standard_normal(int(seconds * sr)), sr, subtype=subtype)
    for target in (22050, sr, 11025):
        y = load_audio(path, sample_rate=target, offset=offset)
        assert decoded_length(path, sample_rate=target, offset=offset) == y.shape[0]


def test_decoded_length_of_a_truncated_mp3_is_what_decodes(tmp_path):
    # A truncated MP3 announces its full length in the header but decodes to
    # less: its samples must be counted, not read from the header.
    if "MPEG_LAYER_III" not in sf.available_subtypes("MP3"):
        pytest.skip("libsndfile cannot write MP3")
    path = tmp_path / "full.mp3"
    sf.write(path, 0.3 * np.random.default_rng(0).standard_normal(88200), 44100)
    cut = _write(tmp_path / "cut.mp3", path.read_bytes()[: path.stat().st_size // 2])
    with sf.SoundFile(cut) as f:
        assert f.frames == 88200  # the header still says 2 s
    n = load_audio(cut, sample_rate=22050).shape[0]
    assert 0 < n < 44100
    assert decoded_length(cut, sample_rate=22050) == n


def test_decoded_length_of_an_mp3_with_an_exact_header_decodes_only_its_end(
    tmp_path, monkeypatch
):
    # A Xing/LAME header (soundfile writes one) gives the exact count: it is
    # checked by decoding the last 4096 frames, not the whole file.
    if "MPEG_LAYER_III" not in sf.available_subtypes("MP3"):
        pytest.skip("libsndfile cannot write MP3")
    path = tmp_path / "a.mp3"
    sf.write(path, 0.3 * np.random.default_rng(0).standard_normal(441000), 44100)
    n = load_audio(path, sample_rate=22050).shape[0]
    frames_read = []
    real = sf.SoundFile.read

    def counting(self, frames=-1, *args, **kwargs):
        out = real(self, frames, *args, **kwargs)
        frames_read.append(out.shape[0])
        return out

    monkeypatch.setattr(sf.SoundFile, "read", counting)
    assert decoded_length(path, sample_rate=22050) == n
    assert frames_read == [4096]


def test_file_names_that_are_not_utf8(tmp_path):
    path = write_tone(tmp_path / "tone.flac", seconds=0.2)
    odd = os.fsdecode(os.path.join(os.fsencode(tmp_path), b"caf\xe9.flac"))
    os.link(path, odd)
    np.testing.assert_array_equal(
        load_audio(odd, sample_rate=16000), load_audio(path, sample_rate=16000)
    )
    assert decoded_length(odd, sample_rate=16000) == decoded_length(
        path, sample_rate=16000
    )


def test_non_finite_samples_become_zero(tmp_path):
    y = np.zeros(1000, dtype=np.float32)
    y[10], y[20] = np.nan, np.inf
    path = tmp_path / "nan.wav"
    sf.write(path, y, 22050, subtype="FLOAT")
    assert np.isfinite(load_audio(path, sample_rate=22050)).all()


def test_fit_length_and_window_count():
    y = np.ones(5, dtype=np.float32)
    np.testing.assert_array_equal(fit_length(y, 7), [1, 1, 1, 1, 1, 0, 0])
    assert fit_length(y, 3).shape == (3,)
    assert n_windows_for(1323000, 110250, 55125) == 23
    assert n_windows_for(100, 110250, 55125) == 1


# --------------------------------------------------------------------------
# AAC, ALAC and WMA through PyAV
# --------------------------------------------------------------------------


def write_av(path, y, sr, codec, *, sample_format=None, container=None):
    """Encode ``y``, shape (n,) or (n, channels), with PyAV's ``codec``."""
    av = pytest.importorskip("av")
    try:
        av.Codec(codec, "w")
    except ValueError:  # av.codec.codec.UnknownCodecError
        pytest.skip(f"the FFmpeg PyAV bundles has no {codec} encoder")
    y = np.asarray(y, dtype=np.float32).reshape(len(y), -1)
    layout = "mono" if y.shape[1] == 1 else "stereo"
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=sr, layout=layout)
        if codec == "wmav2":
            stream.bit_rate = 128000  # the encoder has no default bitrate
        if sample_format:
            stream.codec_context.format = sample_format
        for i in range(0, len(y), 4096):
            block = np.ascontiguousarray(y[i : i + 4096].T)
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
            frame.sample_rate, frame.pts = sr, i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return str(path)


def _music_like(seconds, sr=44100, channels=1, seed=0):
    """A chirp plus low-passed noise: aperiodic, so alignment is unambiguous."""
    import scipy.signal

    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.3 * scipy.signal.chirp(t, 200, t[-1], 5000)
    b, a = scipy.signal.butter(4, 4000 / (sr / 2))
    y = y + 0.2 * scipy.signal.lfilter(b, a, rng.standard_normal(t.size))
    if channels > 1:
        y = np.stack([y, 0.5 * y[::-1]], axis=1)
    return y.astype(np.float32)


def _lag(decoded, source):
    """Shift ``k`` maximising the match of ``decoded[i]`` with ``source[i + k]``."""
    import scipy.signal

    corr = scipy.signal.correlate(source, decoded, mode="full", method="fft")
    return int(np.argmax(corr)) - (len(decoded) - 1)


AV_CASES = [
    ("a.m4a", "alac", "s16p"),
    ("a.m4a", "alac", "s32p"),
    ("a.m4a", "aac", None),
    ("a.mp4", "aac", None),
    ("a.wma", "wmav2", None),
]


@pytest.mark.parametrize("name, codec, sample_format", AV_CASES)
def test_av_round_trip(tmp_path, name, codec, sample_format):
    y = _music_like(3.0)
    path = write_av(tmp_path / name, y, 44100, codec, sample_format=sample_format)
    out = load_audio(path, sample_rate=44100)
    assert out.dtype == np.float32
    if codec == "alac":  # lossless: equal after 16-bit quantisation
        assert out.shape == y.shape
        np.testing.assert_allclose(out, y, atol=1e-4)
        return
    lag = _lag(out, y)
    # AAC: the edit list's encoder delay is dropped, so no lag.  wmav2: the
    # first frame (2048 samples) is lost, and the file does not say so.
    if codec == "aac":
        assert lag == 0
    else:
        assert 0 <= lag <= 2048
    n = min(len(out), len(y) - lag)
    assert abs(len(out) - len(y)) <= 2048
    assert np.corrcoef(out[:n], y[lag : lag + n])[0, 1] > 0.99


def test_av_extension_is_case_insensitive(tmp_path):
    y = _music_like(0.5)
    path = write_av(tmp_path / "SONG.M4A", y, 44100, "alac", sample_format="s16p")
    np.testing.assert_allclose(load_audio(path, sample_rate=44100), y, atol=1e-4)


@pytest.mark.parametrize(
    "codec, sample_format, container",
    [("alac", "s16p", None), ("pcm_s16le", None, "mov"), ("aac", None, None)],
)
def test_av_stereo_is_mixed_to_mono(tmp_path, codec, sample_format, container):
    # ALAC decodes to planar samples, PCM in a QuickTime container to packed
    # (interleaved) ones: both must average the channels.
    stereo = _music_like(2.0, channels=2)
    path = tmp_path / "st.m4a"
    write_av(
        path, stereo, 44100, codec, sample_format=sample_format, container=container
    )
    y = load_audio(path, sample_rate=44100)
    mono = stereo.mean(axis=1)
    if codec == "aac":
        assert np.corrcoef(y[: len(mono)], mono)[0, 1] > 0.99
    else:
        np.testing.assert_allclose(y, mono, atol=1e-4)


@pytest.mark.parametrize(
    "fmt", ["u8", "u8p", "s16", "s16p", "s32", "s32p", "flt", "fltp", "dbl", "dblp"]
)
def test_av_frames_of_every_sample_format_mix_to_mono(fmt):
    av = pytest.importorskip("av")
    from skgenre.audio import _frame_samples, _mono

    left, right = np.array([0.5, -0.25, 0.0, 0.75]), np.array([0.0, 0.25, -0.5, 0.25])
    dtype = np.dtype(av.audio.frame.format_dtypes[fmt])
    scale = {"u": 128, "i": 2 ** (8 * dtype.itemsize - 1), "f": 1}[dtype.kind]
    planes = np.stack([left, right]) * scale + (128 if dtype.kind == "u" else 0)
    planes = planes.astype(dtype)
    if not fmt.endswith("p"):
        planes = planes.T.reshape(1, -1)  # interleaved: L R L R ...
    frame = av.AudioFrame.from_ndarray(planes, format=fmt, layout="stereo")
    y = _mono(_frame_samples(frame))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, (left + right) / 2, atol=1 / 64)


def test_av_resamples_like_wav(tmp_path):
    y = _music_like(2.0)
    m4a = write_av(tmp_path / "a.m4a", y, 44100, "alac", sample_format="s16p")
    sf.write(tmp_path / "a.wav", y, 44100)
    from_m4a = load_audio(m4a, sample_rate=22050)
    from_wav = load_audio(tmp_path / "a.wav", sample_rate=22050)
    assert from_m4a.shape == from_wav.shape == (44100,)
    np.testing.assert_allclose(from_m4a, from_wav, atol=1e-4)


@pytest.mark.parametrize("name, codec, sample_format", AV_CASES[1:])
# Offsets on the sample grid of both rates, so both slices start at one instant.
@pytest.mark.parametrize("offset, duration", [(0.4, None), (1.0, 0.5), (0.0, 1.2)])
def test_av_offset_and_duration_slice_the_whole_file(
    tmp_path, name, codec, sample_format, offset, duration
):
    path = write_av(
        tmp_path / name, _music_like(3.0), 44100, codec, sample_format=sample_format
    )
    for sr in (44100, 22050):
        whole = load_audio(path, sample_rate=sr)
        part = load_audio(path, sample_rate=sr, offset=offset, duration=duration)
        start = round(offset * sr)
        stop = len(whole) if duration is None else start + int(np.ceil(duration * sr))
        assert part.shape == whole[start:stop].shape
        if sr == 44100:  # no resampling: the very same samples
            np.testing.assert_array_equal(part, whole[start:stop])
        else:  # resampled apart: equal away from the cut ends
            np.testing.assert_allclose(
                part[50:-50], whole[start + 50 : stop - 50], atol=1e-3
            )


@pytest.mark.parametrize("name, codec, sample_format", AV_CASES[1:])
@pytest.mark.parametrize("offset", [0.0, 1.13, 2.99, 9.0])
def test_av_decoded_length_is_the_length_load_audio_returns(
    tmp_path, name, codec, sample_format, offset
):
    y = _music_like(3.0, sr=32000, channels=2)
    path = write_av(tmp_path / name, y, 32000, codec, sample_format=sample_format)
    for target in (22050, 32000, 11025, 44100):
        n = load_audio(path, sample_rate=target, offset=offset).shape[0]
        assert decoded_length(path, sample_rate=target, offset=offset) == n
    assert decoded_length(path, sample_rate=32000, offset=9.0) == 0


def _video_only_mp4(path):
    av = pytest.importorskip("av")
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8))
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


NOISE = bytes(range(256)) * 40
FFMPEG_FAILS = "not decodable by FFmpeg"


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda d: d / "missing.m4a", "no such file"),
        (lambda d: _write(d / "empty.m4a", b""), "empty"),
        (lambda d: _write(d / "noise.m4a", NOISE), FFMPEG_FAILS),
        (lambda d: _write(d / "noise.wma", NOISE[::-1]), FFMPEG_FAILS),
        (lambda d: _video_only_mp4(d / "video.mp4"), "no audio stream"),
    ],
)
@pytest.mark.parametrize("read", [load_audio, decoded_length])
def test_av_errors_name_file_and_reason(tmp_path, make, reason, read):
    pytest.importorskip("av")
    path = make(tmp_path)
    with pytest.raises(AudioDecodeError, match=reason) as info:
        read(path, sample_rate=22050)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.fixture
def without_av(monkeypatch):
    """Simulate an installation without PyAV."""
    from skgenre.audio import av_available

    monkeypatch.setitem(sys.modules, "av", None)  # `import av` fails
    av_available.cache_clear()
    yield
    av_available.cache_clear()


@pytest.mark.parametrize("name", ["song.m4a", "song.MP4", "song.wma"])
@pytest.mark.parametrize("read", [load_audio, decoded_length])
def test_av_formats_without_pyav_say_what_to_install(tmp_path, without_av, name, read):
    path = _write(tmp_path / name, b"\0" * 100)
    extension = name[name.index(".") :].lower()
    message = f'decoding {extension} needs PyAV: pip install "skgenre[av]"'
    with pytest.raises(AudioDecodeError, match=re.escape(message)) as info:
        read(path, sample_rate=22050)
    assert str(path) in str(info.value)


def test_readable_extensions_without_pyav(without_av):
    from skgenre.audio import AV_EXTENSIONS, av_available, readable_extensions

    assert not av_available()
    assert ".m4a" not in readable_extensions()
    assert readable_extensions().isdisjoint(AV_EXTENSIONS)
    assert {".wav", ".flac", ".ogg", ".mp3"} <= readable_extensions()


def test_readable_extensions_with_pyav():
    pytest.importorskip("av")
    from skgenre.audio import (
        AUDIO_EXTENSIONS,
        AV_EXTENSIONS,
        av_available,
        readable_extensions,
    )

    assert av_available()
    assert readable_extensions() == AUDIO_EXTENSIONS
    assert {".m4a", ".mp4", ".wma"} == AV_EXTENSIONS <= AUDIO_EXTENSIONS
    assert isinstance(readable_extensions(), frozenset)
