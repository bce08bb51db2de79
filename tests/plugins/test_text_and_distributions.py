"""Text rendering is sanitized Markdown; distributions are the histogram's inverse CDF."""

from __future__ import annotations

import numpy as np
import pytest

from torchscope.plugins.distributions import BASIS_POINTS, compress_histogram
from torchscope.plugins.text.render import markdown_to_safe_html, text_array_to_html


def test_markdown_is_rendered_and_sanitized() -> None:
    html = markdown_to_safe_html(
        "**bold** <script>alert(1)</script> [x](javascript:alert(1)) "
        '<img src="a.png" onerror="alert(1)">\n\n| a | b |\n|---|---|\n| 1 | 2 |'
    )
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert '<img src="a.png">' in html
    assert "<table>" in html and "<td>1</td>" in html


def test_string_tensors_become_tables() -> None:
    array = np.array([[b"a", b"*b*"], [b"c", b"d"]], dtype=object)
    html = text_array_to_html(array)
    assert html.count("<tr>") == 2 and "<em>b</em>" in html
    scalar = text_array_to_html(np.array(b"# Title", dtype=object))
    assert scalar == "<h1>Title</h1>"
    cube = text_array_to_html(np.array([[[b"kept"]], [[b"dropped"]]], dtype=object))
    assert "Warning" in cube and "kept" in cube and "dropped" not in cube


def test_uniform_histogram_percentiles() -> None:
    rows = np.array([[0.0, 10.0, 100.0]])
    values = dict(compress_histogram(rows))
    assert values[0] == 0.0 and values[10000] == 10.0
    assert values[5000] == pytest.approx(5.0)
    assert values[668] == pytest.approx(0.668)


def test_percentiles_skip_empty_buckets() -> None:
    rows = np.array([[0.0, 1.0, 50.0], [1.0, 2.0, 0.0], [2.0, 3.0, 50.0]])
    values = dict(compress_histogram(rows))
    # Exactly half the mass is below 1.0; like TensorBoard, the point moves past the empty
    # bucket to the start of the next non-empty one.
    assert values[5000] == pytest.approx(2.0)
    assert values[6915] == pytest.approx(2.383)
    assert [bp for bp, _ in compress_histogram(rows)] == list(BASIS_POINTS)


def test_empty_histogram() -> None:
    assert compress_histogram(np.zeros((0, 3))) == [[bp, 0.0] for bp in BASIS_POINTS]


def test_numeric_text_tensors_are_shown_not_crashed() -> None:
    assert text_array_to_html(np.array(3.5)) == "<p>3.5</p>"
    assert "<td><p>1</p></td>" in text_array_to_html(np.array([1, 2]))
