"""summary(): exact parameter counts, mult-adds per layer kind, an aligned table, JSON data."""

from __future__ import annotations

import json
import math

import pytest
import torch
from graph_models import (
    AttentionModel,
    BorrowingModel,
    NestedModel,
    RecurrentModel,
    SharedModel,
    SmallCNN,
    TiedModel,
    ValueDependentModel,
)
from torch import nn

from torchscope.graph import summary


def unique_param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())


def row(result, path: str):  # type: ignore[no-untyped-def]
    return next(r for r in result.rows if r.path == path)


def test_tied_weights_and_frozen_parameters_are_counted_exactly() -> None:
    model = TiedModel()
    result = summary(model, torch.randint(0, 50, (2, 5)), verbose=False)
    totals = result.totals
    assert totals is not None
    naive = sum(p.numel() for m in model.modules() for p in m.parameters(recurse=False))
    assert totals.total_params == unique_param_count(model) < naive
    assert totals.non_trainable_params == model.mix.bias.numel()
    assert totals.trainable_params == totals.total_params - model.mix.bias.numel()
    assert sum(r.params for r in result.rows) == totals.total_params
    assert row(result, "mix").trainable == "Partial"
    assert row(result, "decoder").params == 0  # its weight was counted with the embedding


def test_shared_module_rows_are_recursive() -> None:
    result = summary(SharedModel(), torch.randn(3, 4), verbose=False)
    shared_rows = [r for r in result.rows if r.path == "shared"]
    assert [r.recursive for r in shared_rows] == [False, True]
    assert [r.params for r in shared_rows] == [20, 0]
    assert result.totals is not None
    assert sum(r.params for r in result.rows) == result.totals.total_params
    # mult-adds count every call
    assert [r.mult_adds for r in shared_rows] == [3 * 4 * 4, 3 * 4 * 4]


@pytest.mark.parametrize("depth", [0, 1, 2, 3, 5])
def test_rows_add_up_at_every_depth(depth: int) -> None:
    model = NestedModel()
    result = summary(model, torch.randn(2, 4), depth=depth, verbose=False)
    assert max(r.depth for r in result.rows) == min(depth, 4)
    assert sum(r.params for r in result.rows) == unique_param_count(model)
    assert result.totals is not None
    assert sum(r.mult_adds for r in result.rows) == result.totals.mult_adds


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_rows_add_up_when_a_layer_is_called_outside_its_owner(depth: int) -> None:
    model = BorrowingModel()
    result = summary(model, torch.randn(2, 4), depth=depth, verbose=False)
    assert sum(r.params for r in result.rows) == unique_param_count(model)


def test_conv_and_linear_mult_adds() -> None:
    model = SmallCNN()
    batch = 3
    result = summary(model, torch.randn(batch, 1, 8, 8), verbose=False)
    conv = model.conv1
    out_h = out_w = 8  # padding 1 keeps 8x8
    expected_conv = batch * out_h * out_w * conv.out_channels * conv.in_channels * 3 * 3
    assert row(result, "conv1").mult_adds == expected_conv
    assert row(result, "fc").mult_adds == batch * model.fc.in_features * model.fc.out_features
    assert row(result, "bn").mult_adds == 0
    assert row(result, "conv1").output_shapes == [[batch, 8, 8, 8]]


def test_transposed_conv_mult_adds() -> None:
    layer = nn.ConvTranspose2d(4, 6, kernel_size=3, stride=2)
    x = torch.randn(2, 4, 5, 5)
    result = summary(nn.Sequential(layer), x, verbose=False)
    # every input element is scattered through out_channels x kernel weights
    assert row(result, "0").mult_adds == x.numel() * 6 * 3 * 3


def test_recurrent_mult_adds() -> None:
    model = RecurrentModel()
    batch, steps = 2, 7
    result = summary(model, torch.randn(batch, steps, 6), verbose=False)
    lstm = model.lstm
    hidden, directions = lstm.hidden_size, 2
    per_token = 0
    for layer in range(lstm.num_layers):
        input_size = lstm.input_size if layer == 0 else hidden * directions
        per_token += directions * 4 * hidden * (input_size + hidden)
    assert row(result, "lstm").mult_adds == batch * steps * per_token


def test_attention_mult_adds() -> None:
    batch, length, embed = 2, 5, 8
    result = summary(AttentionModel(), torch.randn(batch, length, embed), verbose=False)
    projections = 4 * length * embed * embed  # q, k, v and output
    scores_and_mix = 2 * length * length * embed
    assert row(result, "attention").mult_adds == batch * (projections + scores_and_mix)


def test_table_is_printed_aligned(capsys: pytest.CaptureFixture[str]) -> None:
    result = summary(SmallCNN(), torch.randn(1, 1, 8, 8), depth=1)
    printed = capsys.readouterr().out
    assert printed.strip() == str(result).strip()
    lines = printed.splitlines()
    header = next(line for line in lines if line.startswith("Layer (type:depth-idx)"))
    params_end = header.index("Param #") + len("Param #")
    shape_start = header.index("Output Shape")
    body = [line for line in lines if line.startswith(("├─", "└─"))]
    assert len(body) == len(result.rows) - 1
    for line, r in zip(body, result.rows[1:], strict=True):
        shown = f"{r.params:,}" if r.params else "--"
        assert line[params_end - len(shown) : params_end] == shown
        assert line[shape_start - 1] == " " and line[shape_start] == "["
    assert body[-1].startswith("└─Linear: 1-3")  # relu and pooling are functional
    assert f"Total params: {unique_param_count(SmallCNN()):,}" in printed


def test_totals_sizes_and_json() -> None:
    model = SmallCNN()
    x = torch.randn(4, 1, 8, 8)
    result = summary(model, x, verbose=False)
    totals = result.totals
    assert totals is not None
    assert math.isclose(totals.input_size_mb, x.numel() * 4 / 1e6)
    assert math.isclose(totals.params_size_mb, unique_param_count(model) * 4 / 1e6)
    # relu and max_pool are functional here: the layers whose outputs count are conv, bn, fc
    expected_forward = (4 * 8 * 8 * 8 + 4 * 8 * 8 * 8 + 4 * 10) * 4 / 1e6
    assert math.isclose(totals.forward_size_mb, expected_forward)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["totals"]["total_params"] == totals.total_params
    assert data["rows"][1]["layer"] == "Conv2d: 1-1"
    assert math.isclose(data["totals"]["total_size_mb"], totals.total_size_mb)


def test_summary_runs_models_no_tracer_can_follow() -> None:
    result = summary(ValueDependentModel(), torch.ones(2, 4), verbose=False)
    assert [r.path for r in result.rows] == ["", "positive"]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="depth"):
        summary(SmallCNN(), torch.randn(1, 1, 8, 8), depth=-1, verbose=False)
    with pytest.raises(TypeError, match="model"):
        summary(object(), torch.randn(1), verbose=False)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="example_inputs"):
        summary(SmallCNN(), {"nope": torch.randn(1)}, verbose=False)
