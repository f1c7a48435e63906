"""Prediction and tag reports: tables, CSV, JSON, confusion matrices."""

import csv
import json

import numpy as np

from skgenre.report import (
    format_confusion,
    format_predictions,
    format_tags,
    prediction_record,
    tag_records,
)

CLASSES = ["blues", "jazz", "rock"]


def _rows():
    rows = [
        prediction_record(CLASSES, np.array([0.1, 0.7, 0.2]), path="a.wav"),
        prediction_record(CLASSES, np.array([0.5, 0.2, 0.3]), path="long/b.flac"),
    ]
    rows[0]["windows"] = [
        prediction_record(CLASSES, np.array([0.2, 0.3, 0.5]), start=0.0),
        prediction_record(CLASSES, np.array([0.0, 1.0, 0.0]), start=2.992),
    ]
    return rows


def test_prediction_record_names_the_top_class_first():
    record = prediction_record(CLASSES, np.array([0.1, 0.7, 0.2]), path="a.wav")
    assert list(record) == ["path", "genre", "probabilities"]
    assert record["genre"] == "jazz"
    assert record["probabilities"] == {"blues": 0.1, "jazz": 0.7, "rock": 0.2}


def test_predictions_as_table_json_and_csv():
    rows = _rows()
    table = format_predictions(rows, CLASSES).splitlines()
    assert table[0].split() == ["a.wav", "jazz", "jazz", "0.70", "rock", "0.20"] + [
        "blues",
        "0.10",
    ]
    assert table[1].split() == ["0.0", "s", "rock"]
    assert table[2].split() == ["3.0", "s", "jazz"]
    assert table[3].startswith("long/b.flac  blues")
    assert json.loads(format_predictions(rows, CLASSES, "json")) == rows
    parsed = list(csv.DictReader(format_predictions(rows, CLASSES, "csv").splitlines()))
    assert [r["path"] for r in parsed] == ["a.wav", "long/b.flac"]
    assert parsed[1] == {"path": "long/b.flac", "genre": "blues", "blues": "0.5"} | {
        "jazz": "0.2",
        "rock": "0.3",
    }


def test_confusion_matrix_rows_are_true_classes():
    text = format_confusion(
        ["jazz", "jazz", "rock"], ["jazz", "rock", "rock"], ["jazz", "rock"]
    )
    lines = [line.split() for line in text.splitlines()]
    assert lines == [["jazz", "rock"], ["jazz", "1", "1"], ["rock", "0", "1"]]


def test_top_tags_in_every_format():
    tags = np.array([[0.1, 0.9, 0.5], [0.8, 0.2, 0.3]])
    names = ["rock", "jazz", "pop"]
    records = tag_records(["a", "b"], tags, names, top=2)
    assert records == [
        {"path": "a", "tags": {"jazz": 0.9, "pop": 0.5}},
        {"path": "b", "tags": {"rock": 0.8, "pop": 0.3}},
    ]
    assert json.loads(format_tags(["a", "b"], tags, names, 2, "json")) == records
    rows = list(csv.reader(format_tags(["a", "b"], tags, names, 1, "csv").splitlines()))
    assert rows == [
        ["path", "rank", "tag", "probability"],
        ["a", "1", "jazz", "0.9"],
    ] + [["b", "1", "rock", "0.8"]]
    assert format_tags(["a"], tags[:1], names, 3).split() == [
        "a",
        "jazz",
        "0.90",
        "pop",
        "0.50",
        "rock",
        "0.10",
    ]


def test_label_records_and_their_formats():
    import numpy as np

    from skgenre.report import (
        format_label_predictions,
        format_label_report,
        label_record,
    )

    names = ["blues", "jazz", "rock"]
    row = label_record(names, np.array([0.2, 0.9, 0.6]), 0.5, path="a.wav")
    assert row["labels"] == ["jazz", "rock"]  # present, most probable first
    assert row["probabilities"] == {"blues": 0.2, "jazz": 0.9, "rock": 0.6}
    none = label_record(names, np.array([0.1, 0.2, 0.3]), 0.5, path="b.wav")
    assert format_label_predictions([row, none], names).splitlines() == [
        "a.wav  jazz 0.90  rock 0.60",
        "b.wav  -",
    ]
    assert format_label_predictions([row], names, "csv").splitlines() == [
        "path,labels,blues,jazz,rock",
        "a.wav,jazz;rock,0.2,0.9,0.6",
    ]
    Y = np.array([[0, 1, 1], [0, 0, 1], [0, 1, 0]])
    proba = np.array([[0.2, 0.9, 0.6], [0.1, 0.2, 0.7], [0.3, 0.8, 0.1]])
    text = format_label_report(Y, (proba >= 0.5).astype(int), proba, names)
    assert "micro avg" in text and "samples avg" in text
    assert "  blues  n/a" in text  # never present: no ROC-AUC
    assert "  jazz   1.000" in text and "  macro  1.000" in text
