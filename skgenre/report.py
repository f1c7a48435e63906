"""Text reports of predictions: tables, CSV, JSON, confusion matrices."""

import csv
import io
import json

import numpy as np
from sklearn.metrics import confusion_matrix

__all__ = [
    "format_confusion",
    "format_predictions",
    "format_tags",
    "prediction_record",
    "tag_records",
]


def prediction_record(classes, proba, **fields):
    """Top class and every class probability of one song or window.

    Parameters
    ----------
    classes : list of str
    proba : ndarray of shape (n_classes,)
    **fields
        Added first, e.g. ``path=...`` or ``start=...``.

    Returns
    -------
    record : dict
        ``{**fields, "genre": ..., "probabilities": {class: p, ...}}``.
    """
    return {
        **fields,
        "genre": classes[int(np.argmax(proba))],
        "probabilities": {
            c: round(float(v), 6) for c, v in zip(classes, proba, strict=True)
        },
    }


def format_predictions(rows, classes, fmt="table"):
    """Predictions of songs as text.

    Parameters
    ----------
    rows : list of dict
        :func:`prediction_record` of each song, with a ``"path"``, and
        optionally ``"windows"``: records of its windows with a ``"start"``.
    classes : list of str
    fmt : {"table", "json", "csv"}, default="table"
        A line per song with the classes from most to least probable (and a
        line per window); JSON of ``rows``; or CSV with one column per class.

    Returns
    -------
    text : str
    """
    if fmt == "json":
        return json.dumps(rows, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["path", "genre", *classes])
        for r in rows:
            writer.writerow(
                [r["path"], r["genre"], *(r["probabilities"][c] for c in classes)]
            )
        return out.getvalue().rstrip("\n")
    width = max((len(r["path"]) for r in rows), default=0)
    lines = []
    for r in rows:
        ranked = sorted(r["probabilities"].items(), key=lambda kv: -kv[1])
        probs = "  ".join(f"{c} {p:.2f}" for c, p in ranked)
        lines.append(f"{r['path']:<{width}}  {r['genre']:<12} {probs}")
        for w in r.get("windows", []):
            lines.append(f"  {w['start']:7.1f} s  {w['genre']}")
    return "\n".join(lines)


def format_confusion(y_true, y_pred, labels):
    """Confusion matrix as text: rows are true classes, columns predicted."""
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    width = max(6, *(len(str(label)) for label in labels))
    lines = [" " * width + " " + " ".join(f"{str(c)[:width]:>{width}}" for c in labels)]
    for label, row in zip(labels, cm, strict=True):
        lines.append(
            f"{str(label):>{width}} " + " ".join(f"{v:>{width}d}" for v in row)
        )
    return "\n".join(lines)


def tag_records(paths, tags, names, top=10):
    """The ``top`` most probable tags of each song.

    Parameters
    ----------
    paths : list of str
    tags : ndarray of shape (n_songs, n_tags)
        Tag probabilities of each song.
    names : list of str
        Tag names.
    top : int, default=10

    Returns
    -------
    records : list of dict
        ``{"path": ..., "tags": {tag: probability, ...}}``, most probable
        first.
    """
    return [
        {
            "path": path,
            "tags": {
                str(names[k]): round(float(t[k]), 6) for k in np.argsort(-t)[:top]
            },
        }
        for path, t in zip(paths, tags, strict=True)
    ]


def format_tags(paths, tags, names, top=5, fmt="table"):
    """Top tags of songs as text: a table, JSON or CSV (path, rank, tag, p).

    Parameters are those of :func:`tag_records`, plus ``fmt``.
    """
    records = tag_records(paths, tags, names, top)
    if fmt == "json":
        return json.dumps(records, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["path", "rank", "tag", "probability"])
        for r in records:
            for rank, (tag, p) in enumerate(r["tags"].items(), 1):
                writer.writerow([r["path"], rank, tag, p])
        return out.getvalue().rstrip("\n")
    width = max((len(r["path"]) for r in records), default=0)
    return "\n".join(
        f"{r['path']:<{width}}  "
        + "  ".join(f"{tag} {p:.2f}" for tag, p in r["tags"].items())
        for r in records
    )
