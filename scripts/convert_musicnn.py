"""Convert musicnn's TensorFlow 1 checkpoints to skgenre's Keras 3 weights.

Usage::

    python scripts/convert_musicnn.py [--wheel DIR] [--gtzan DIR] [--check-only]

``--wheel`` is the unzipped ``musicnn-0.1.0`` wheel (the directory holding
``musicnn/MSD_musicnn/``); without it the wheel is fetched with ``pip download
--no-deps musicnn==0.1.0`` into a temporary directory.  musicnn itself is never
imported: its checkpoints are read with TensorFlow.

For MSD_musicnn and MTT_musicnn the script

1. reads every non-optimiser variable of the checkpoint and maps it onto the
   Keras network of :func:`skgenre.encoders.musicnn.build_musicnn`, asserting that
   each is used exactly once;
2. writes ``skgenre/data/musicnn/{MSD,MTT}_musicnn.npz`` (float32, no pickle,
   byte for byte reproducible) and prints their sha256, to be recorded in
   ``skgenre.encoders.musicnn.WEIGHTS_SHA256``;
3. runs the ORIGINAL graph (imported from the checkpoint's ``.meta``) and the
   Keras port on log-mel patches of the shipped recordings (and of ``--gtzan``
   songs, research only) and prints the largest differences per output;
4. writes the test fixture ``tests/data/musicnn_fixture.npz``: 4 patches and
   the original graph's taggram and penultimate for both models.

``--check-only`` skips writing (steps 2 and 4) and compares the shipped
weights, loaded with :func:`skgenre.encoders.musicnn.load_musicnn`, to the original.

:func:`original_session` is imported by ``benchmarks/bench_encoder.py`` to
time the original graph.
"""

import argparse
import glob
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from skgenre.encoders import musicnn  # noqa: E402

CHECKPOINTS = {"musicnn-msd": "MSD_musicnn", "musicnn-mtt": "MTT_musicnn"}
FIXTURE = REPO / "tests" / "data" / "musicnn_fixture.npz"

# Checkpoint scope -> Keras layer of build_musicnn, in the order the original
# creates them (tf.compat.v1.layers numbers layers of a kind by creation).
SCOPES = {
    "batch_normalization": "input_bn",
    "conv2d": "timbral_7x38",
    "batch_normalization_1": "timbral_7x38_bn",
    "conv2d_1": "timbral_7x67",
    "batch_normalization_2": "timbral_7x67_bn",
    "conv2d_2": "temporal_128",
    "batch_normalization_3": "temporal_128_bn",
    "conv2d_3": "temporal_64",
    "batch_normalization_4": "temporal_64_bn",
    "conv2d_4": "temporal_32",
    "batch_normalization_5": "temporal_32_bn",
    "conv2d_5": "midend_1",
    "batch_normalization_6": "midend_1_bn",
    "conv2d_6": "midend_2",
    "batch_normalization_7": "midend_2_bn",
    "conv2d_7": "midend_3",
    "batch_normalization_8": "midend_3_bn",
    "batch_normalization_9": "pooled_bn",
    "dense": "penultimate_dense",
    "batch_normalization_10": "penultimate",
    "dense_1": "logits",
}
# The original graph's tensors for each output of the Keras model.
ORIGINAL_OUTPUTS = {
    "taggram": "model/Sigmoid:0",
    "penultimate": "model/batch_normalization_10/batchnorm/add_1:0",
    "mean_pool": "model/moments/Squeeze:0",  # (batch, 753, 1)
    "max_pool": "model/Max:0",  # (batch, 753, 1)
}
_OPTIMISER = ("/Adam", "/Adam_1", "beta1_power", "beta2_power")


def log(message):
    print(message, flush=True)


def fetch_wheel(out_dir):
    """``pip download`` musicnn 0.1.0 and unzip it; returns the directory."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "musicnn==0.1.0"]
        + ["-d", str(out_dir)],
        check=True,
    )
    (wheel,) = glob.glob(os.path.join(out_dir, "musicnn-0.1.0-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(out_dir)
    return Path(out_dir)


def checkpoint_dir(wheel_dir, name):
    """Directory of one model's checkpoint inside the unzipped wheel."""
    path = Path(wheel_dir) / "musicnn" / CHECKPOINTS[name]
    if not (path / ".index").is_file():
        raise FileNotFoundError(f"no musicnn checkpoint in {path}")
    return path


def read_checkpoint(model_dir):
    """Non-optimiser variables of a checkpoint: {name: float32 array}."""
    import tensorflow as tf

    # The "checkpoint" file names the authors' absolute path; a prefix ending
    # in "/" makes the reader open "<dir>/.index" directly.
    reader = tf.compat.v1.train.NewCheckpointReader(f"{model_dir}/")
    return {
        key: reader.get_tensor(key)
        for key in sorted(reader.get_variable_to_shape_map())
        if not any(part in key for part in _OPTIMISER)
    }


def convert(variables, model):
    """Checkpoint variables -> {Keras variable path: array}; each used once."""
    used = []
    weights = {}
    for variable in model.weights:
        layer, field = variable.path.split("/")
        (scope,) = [s for s, keras_layer in SCOPES.items() if keras_layer == layer]
        key = f"{scope}/{field}"
        value = np.asarray(variables[key], dtype=np.float32)
        if value.shape != tuple(variable.shape):
            # Only the mid-end kernels (7, C, 1, 64) drop their singleton
            # input-channel axis to become Conv1D kernels (7, C, 64).
            assert value.shape[2] == 1 and layer.startswith("midend"), key
            value = value[:, :, 0, :]
        assert value.shape == tuple(variable.shape), (key, value.shape)
        weights[variable.path] = value
        used.append(key)
    assert len(used) == len(set(used)), "a checkpoint variable used twice"
    unused = sorted(set(variables) - set(used))
    assert not unused, f"checkpoint variables not used: {unused}"
    return weights


def write_npz(path, arrays):
    """``np.savez`` with fixed zip timestamps, so that the bytes (and the
    sha256) depend on the values only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for key in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(arrays[key]))
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, buffer.getvalue())


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def original_session(model_dir, *, threads=None):
    """The original TF1 graph of a checkpoint, restored, in a session.

    ``import_meta_graph`` fails on TF 2.21 (inconsistent ``_output_shapes`` of
    the training graph's gradient nodes), so only the forward sub-graph and
    the Saver's restore ops are imported, without ``_output_shapes``.

    Parameters
    ----------
    model_dir : str or Path
        A checkpoint directory, e.g. ``<wheel>/musicnn/MSD_musicnn``.
    threads : int, default=None
        Intra- and inter-op threads of the session; TensorFlow's default if
        None.

    Returns
    -------
    run : callable
        ``run(patches, outputs=("taggram", ...))`` maps ``(n, 187, 96)``
        log-mel patches to a dict of ``(n, size)`` arrays of the requested
        :data:`ORIGINAL_OUTPUTS`, with ``is_training`` False.
    session : tf.compat.v1.Session
        To close when done.
    """
    import tensorflow as tf

    meta = tf.compat.v1.MetaGraphDef()
    meta.ParseFromString((Path(model_dir) / ".meta").read_bytes())
    ops = [name.split(":")[0] for name in ORIGINAL_OUTPUTS.values()]
    graph_def = tf.compat.v1.graph_util.extract_sub_graph(
        meta.graph_def, ops + [meta.saver_def.restore_op_name]
    )
    for node in graph_def.node:
        if "_output_shapes" in node.attr:
            del node.attr["_output_shapes"]
        node.device = ""
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    config = tf.compat.v1.ConfigProto()
    if threads is not None:
        config.intra_op_parallelism_threads = threads
        config.inter_op_parallelism_threads = threads
    session = tf.compat.v1.Session(graph=graph, config=config)
    session.run(
        meta.saver_def.restore_op_name,
        {meta.saver_def.filename_tensor_name: f"{model_dir}/"},
    )

    def run(patches, outputs=tuple(ORIGINAL_OUTPUTS)):
        values = session.run(
            [ORIGINAL_OUTPUTS[name] for name in outputs],
            {"model/Placeholder:0": patches, "model/Placeholder_2:0": False},
        )
        return {
            name: value.reshape(len(patches), -1)
            for name, value in zip(outputs, values, strict=True)
        }

    return run, session


def song_patches(path):
    """Log-mel patches of one song, decoded as musicnn does (librosa.load)."""
    import librosa

    y, _ = librosa.load(path, sr=musicnn.SAMPLE_RATE, mono=True)
    return musicnn.musicnn_patches(musicnn.musicnn_logmel(y))


def in_batches(function, patches, size=32):
    parts = [function(patches[i : i + size]) for i in range(0, len(patches), size)]
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheel", help="unzipped musicnn-0.1.0 wheel directory")
    parser.add_argument("--gtzan", help="also compare on these songs (*/*.flac)")
    parser.add_argument("--check-only", action="store_true")
    args = parser.parse_args(argv)

    wheel = args.wheel or fetch_wheel(tempfile.mkdtemp(prefix="musicnn_wheel_"))
    shipped = sorted(glob.glob(str(REPO / "skgenre" / "data" / "*.ogg")))
    per_song = [song_patches(path) for path in shipped]
    patches = np.concatenate(per_song)
    if args.gtzan:
        songs = sorted(glob.glob(os.path.join(args.gtzan, "*", "*.flac")))
        patches = np.concatenate([patches, *(song_patches(p) for p in songs)])
        log(f"{len(shipped)} shipped recordings + {len(songs)} GTZAN-mini songs")
    log(f"skgenre.encoders.musicnn from {musicnn.__file__}")
    log(f"{len(patches)} patches of {patches.shape[1:]}")
    # The fixture: the middle patch of the first 4 shipped recordings.
    fixture = {"logmel": np.stack([song[len(song) // 2] for song in per_song[:4]])}

    for name, directory in CHECKPOINTS.items():
        model_dir = checkpoint_dir(wheel, name)
        log(f"{name} ({directory}):")
        if args.check_only:
            model = musicnn.load_musicnn(name)
        else:
            model = musicnn.build_musicnn(n_tags=len(musicnn.TAGS[name]))
            weights = convert(read_checkpoint(model_dir), model)
            out = musicnn.WEIGHTS_DIR / musicnn.WEIGHTS_FILES[name]
            write_npz(out, weights)
            digest = sha256(out)
            recorded = musicnn.WEIGHTS_SHA256[name] == digest
            log(f"  {out.relative_to(REPO)}: {out.stat().st_size} bytes")
            new = "NEW: record it in skgenre/encoders/musicnn.py"
            note = "as recorded" if recorded else new
            log(f"  sha256 {digest} ({note})")
            reread = musicnn.read_weights(out, digest)
            for variable in model.weights:
                np.testing.assert_array_equal(
                    reread[variable.path], weights[variable.path]
                )
                variable.assign(reread[variable.path])
        log(f"  {model.count_params()} values in {len(model.weights)} variables")

        run, session = original_session(model_dir)
        expected = in_batches(run, patches)
        actual = in_batches(lambda x, m=model: m.predict_on_batch(x), patches)
        for key, value in expected.items():
            diff = np.abs(actual[key] - value).max()
            scale = np.abs(value).max()
            log(
                f"  {key:12s} max abs diff {diff:.2e}, relative to the largest "
                f"value ({scale:.3g}) {diff / scale:.1e}"
            )
        if not args.check_only:
            original = run(fixture["logmel"], outputs=("taggram", "penultimate"))
            prefix = directory.split("_")[0].lower()
            fixture[f"{prefix}_taggram"] = original["taggram"]
            fixture[f"{prefix}_penultimate"] = original["penultimate"]
        session.close()

    if not args.check_only:
        write_npz(FIXTURE, fixture)
        log(f"fixture {FIXTURE.relative_to(REPO)}: {FIXTURE.stat().st_size} bytes")


if __name__ == "__main__":
    main()
