"""Text reports of predictions: tables, CSV, JSON, confusion matrices."""

import csv
import io
import json

import numpy as np

__all__ = [
    "format_confusion",
    "format_label_predictions",
    "format_label_report",
    "format_library",
    "format_predictions",
    "format_tags",
    "label_record",
    "prediction_record",
    "tag_records",
]


def _probabilities(names, proba):
    """``{name: p}``, rounded for tables and JSON."""
    return {n: round(float(v), 6) for n, v in zip(names, proba, strict=True)}


def _csv_text(header, rows):
    """CSV of a header and rows, without the trailing line break."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().rstrip("\n")


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
        "probabilities": _probabilities(classes, proba),
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
        return _csv_text(
            ["path", "genre", *classes],
            (
                [r["path"], r["genre"], *(r["probabilities"][c] for c in classes)]
                for r in rows
            ),
        )
    width = max((len(r["path"]) for r in rows), default=0)
    lines = []
    for r in rows:
        ranked = sorted(r["probabilities"].items(), key=lambda kv: -kv[1])
        probs = "  ".join(f"{c} {p:.2f}" for c, p in ranked)
        lines.append(f"{r['path']:<{width}}  {r['genre']:<12} {probs}")
        for w in r.get("windows", []):
            lines.append(f"  {w['start']:7.1f} s  {w['genre']}")
    return "\n".join(lines)


def label_record(names, proba, threshold, **fields):
    """The labels of one song (or window) of a multi-label model.

    Parameters
    ----------
    names : list of str
        Label names.
    proba : ndarray of shape (n_labels,)
        Each label's probability.
    threshold : float
        Labels with a probability of at least this are present.
    **fields
        Added first, e.g. ``path=...``.

    Returns
    -------
    record : dict
        ``{**fields, "labels": [present labels, most probable first],
        "probabilities": {label: p, ...}}``.
    """
    order = np.argsort(-np.asarray(proba), kind="stable")
    return {
        **fields,
        "labels": [names[k] for k in order if proba[k] >= threshold],
        "probabilities": _probabilities(names, proba),
    }


def format_label_predictions(rows, names, fmt="table"):
    """Labels of songs as text: a table, JSON, or CSV.

    Parameters
    ----------
    rows : list of dict
        :func:`label_record` of each song, with a ``"path"``, and optionally
        ``"windows"``: records of its windows with a ``"start"``.
    names : list of str
    fmt : {"table", "json", "csv"}, default="table"
        A line per song with its labels and their probabilities (``-`` for
        none) and a line per window; JSON of ``rows``; or CSV with the
        labels joined by ``;`` and one column per label.

    Returns
    -------
    text : str
    """
    if fmt == "json":
        return json.dumps(rows, indent=2)
    if fmt == "csv":
        return _csv_text(
            ["path", "labels", *names],
            (
                [
                    r["path"],
                    ";".join(r["labels"]),
                    *(r["probabilities"][n] for n in names),
                ]
                for r in rows
            ),
        )
    width = max((len(r["path"]) for r in rows), default=0)
    lines = []
    for r in rows:
        present = "  ".join(f"{n} {r['probabilities'][n]:.2f}" for n in r["labels"])
        lines.append(f"{r['path']:<{width}}  {present or '-'}")
        for w in r.get("windows", []):
            lines.append(f"  {w['start']:7.1f} s  {', '.join(w['labels']) or '-'}")
    return "\n".join(lines)


def format_label_report(Y_true, Y_pred, proba, names):
    """Per-label precision, recall, F1 and ROC-AUC; micro and macro F1.

    Parameters
    ----------
    Y_true, Y_pred : ndarray of shape (n_songs, n_labels)
        0/1 indicators.
    proba : ndarray of shape (n_songs, n_labels)
        Each label's probability.
    names : list of str

    Returns
    -------
    text : str
        scikit-learn's classification report (per label, micro, macro,
        weighted and samples averages), then each label's ROC-AUC (``n/a``
        where the songs hold only one of its values).
    """
    from sklearn.metrics import classification_report, roc_auc_score

    text = classification_report(
        Y_true, Y_pred, target_names=names, zero_division=0, digits=3
    )
    lines = [text.rstrip(), "", "ROC-AUC per label:"]
    width = max(len(n) for n in names)
    scores = []
    for k, name in enumerate(names):
        if len(np.unique(Y_true[:, k])) < 2:
            lines.append(f"  {name:<{width}}  n/a")
            continue
        score = roc_auc_score(Y_true[:, k], proba[:, k])
        scores.append(score)
        lines.append(f"  {name:<{width}}  {score:.3f}")
    if scores:
        lines.append(f"  {'macro':<{width}}  {np.mean(scores):.3f}")
    return "\n".join(lines)


def format_confusion(y_true, y_pred, labels):
    """Confusion matrix as text: rows are true classes, columns predicted."""
    from sklearn.metrics import confusion_matrix

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
        return _csv_text(
            ["path", "rank", "tag", "probability"],
            (
                [r["path"], rank, tag, p]
                for r in records
                for rank, (tag, p) in enumerate(r["tags"].items(), 1)
            ),
        )
    width = max((len(r["path"]) for r in records), default=0)
    return "\n".join(
        f"{r['path']:<{width}}  "
        + "  ".join(f"{tag} {p:.2f}" for tag, p in r["tags"].items())
        for r in records
    )


# Actions of a plan, then of undo: the order of the summary's counts.
_ACTION_ORDER = ("write", "keep", "unsure", "skip", "error", "restored", "changed")


def format_library(records, fmt="table", columns=None):
    """What tagging a library does (or undo did) to each file, as text.

    Parameters
    ----------
    records : list of dict
        ``PlanEntry.record()`` (path, action, current, genres, confidence,
        reason) or ``UndoEntry.record()`` (path, action, reason) of each file.
    fmt : {"table", "json", "csv"}, default="table"
        JSON: one array of ``records``.  CSV: the same columns, lists joined
        by "; ".  Table, for people: one row per file (action, confidence,
        genres written, or held for other actions, path and reason), then
        the number of files per action.
    columns : list of str or None
        The records' keys, for CSV of no records; default those of the first.

    Returns
    -------
    text : str
    """
    if fmt == "json":
        return json.dumps(records, indent=2)
    columns = columns or (list(records[0]) if records else ["path", "action"])
    if fmt == "csv":
        return _csv_text(
            columns,
            (
                [
                    "; ".join(v) if isinstance(v, list) else "" if v is None else v
                    for v in (r[c] for c in columns)
                ]
                for r in records
            ),
        )
    lines = []
    for r in records:
        confidence = r.get("confidence")
        shown = r.get("genres") or r.get("current") or []
        why = f"  ({r['reason']})" if r.get("reason") else ""
        lines.append(
            f"{r['action']:<8} "
            + (
                ""
                if "confidence" not in r
                else f"{'' if confidence is None else f'{confidence:.2f}':>4}  "
            )
            + ("" if "genres" not in r else f"{'; '.join(shown) or '-':<24} ")
            + f"{r['path']}{why}"
        )
    counts = {action: 0 for action in _ACTION_ORDER}
    for r in records:
        counts[r["action"]] = counts.get(r["action"], 0) + 1
    counts = {action: n for action, n in counts.items() if n}
    summary = ", ".join(f"{n} {action}" for action, n in counts.items())
    plural = "" if len(records) == 1 else "s"
    lines.append(f"{len(records)} file{plural}: {summary or 'none'}")
    return "\n".join(lines)
