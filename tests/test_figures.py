"""Figures a paper can use: vector PDF/SVG and 300-dpi PNG at one column's width, every line in the
legend, a 0 % class visible, confusion cells annotated. Drawn from a small hand-made results record."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from imagehear import protocol
from imagehear.metrics import samples
from imagehear.report import plots

CLASSES = list(protocol.CLASS_NAMES)  # all 30: the size a real run draws


@pytest.fixture(scope="module")
def results():
    rows, confusion = [], {c: {} for c in CLASSES}
    for k, c in enumerate(CLASSES):
        for j in range(4):  # two images, two clips each
            right = k % 3 == 0 and j < 3  # Bells (k=2) and others: 0 %
            rows.append({"file": f"{c}/{j}.wav", "label": c, "image": f"{c.lower()}{j // 2 + 1}.jpg",
                         "clip_score": 5.0 + k % 4 + 0.5 * j, "correct": right})
            predicted = c if right else "other"
            confusion[c][predicted] = confusion[c].get(predicted, 0) + 1
    return {"model": {"name": "my_model"}, "complete": True, "n_samples": len(rows),
            "metrics": {"clip_score": {"value": 7.25, "chance": {"value": 3.0}},
                        "accuracy": {"value": 25.0, "chance": {"value": 3.3}, "confusion": confusion}},
            "per_sample": samples.pack(rows)}


def _png_dpi(data: bytes) -> tuple[int, int, float]:
    width, height = struct.unpack(">II", data[16:24])
    at = data.index(b"pHYs")
    per_metre = struct.unpack(">I", data[at + 4:at + 8])[0]
    return width, height, per_metre * 0.0254


def test_every_figure_is_pdf_svg_and_300_dpi_png_at_column_width(results, tmp_path):
    accuracy_only = {**results, "metrics": {"accuracy": results["metrics"]["accuracy"]}}
    paths = plots.write_plots(accuracy_only, tmp_path, prefix="run.")
    assert [p.name for p in paths] == [f"run.{stem}.{suffix}" for stem in ("accuracy_per_class", "confusion")
                                       for suffix in ("pdf", "svg", "png")]
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".pdf":
            assert data.startswith(b"%PDF") and b"/FontFile2" in data and b"/Type3" not in data  # TrueType
        elif path.suffix == ".svg":
            assert b"<svg" in data[:600] and b"<image" not in data  # vector, no embedded raster
        else:
            width, height, dpi = _png_dpi(data)
            assert dpi == pytest.approx(300, abs=0.5)
            expected = 3.5 if "per_class" in path.name else 7.0  # one column; the 30x31 matrix spans two
            assert width == round(expected * 300) and height > 300
        if path.suffix != ".png":  # no dates, so a redraw is byte-identical
            assert b"CreationDate" not in data and b"<dc:date>" not in data


def test_lines_are_in_the_legend_and_a_zero_percent_class_shows(results):
    rows = samples.unpack(results["per_sample"])
    fig = plots.bar_figure("accuracy", results, rows)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["mean over all clips (25.00 %)", "chance level: class-prior guess (3.30 %)",
                      "class mean, 95 % CI (images resampled)"]
    ax = fig.axes[0]
    assert ax.get_xlim()[0] < 0  # the 0 % classes are off the axis line
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    bells = len(CLASSES) - 1 - CLASSES.index("Bells")  # classes run top to bottom
    x, y = ax.transData.transform((0.0, bells))
    row, col = int(round(pixels.shape[0] - y)), int(round(x))
    window = pixels[row - 3:row + 4, col - 3:col + 4].reshape(-1, 3)
    assert any(abs(p - np.array([0x08, 0x51, 0x9C])).sum() < 60 for p in window)  # the class-mean marker
    sizes = [t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and a.get_text())]
    assert min(sizes) >= 6  # readable when printed one column wide
    scores = plots.bar_figure("clip_score", results, rows)  # 5..9.5: an axis without 0 draws dots, not bars
    assert not scores.axes[0].patches and [t.get_text() for t in scores.legends[0].get_texts()][0] == (
        "class mean, 95 % CI (images resampled)")


def test_confusion_cells_are_annotated(results):
    fig = plots.confusion_figure(results)
    ax = fig.axes[0]
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    confusion = results["metrics"]["accuracy"]["confusion"]
    assert len(cells) == sum(len(row) for row in confusion.values())  # one per non-empty cell
    other = len(CLASSES)  # the last column
    assert cells[(CLASSES.index("Accordion"), 0)] == "75" and cells[(CLASSES.index("Accordion"), other)] == "25"
    assert cells[(CLASSES.index("Bells"), other)] == "100"
    assert min(t.get_fontsize() for t in ax.texts) >= 6
