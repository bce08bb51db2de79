"""``summary(model, example_inputs)``: a torchinfo-style table of layers, shapes and counts.

The table comes from one real forward pass with hooks on every module, so it works for any
model that runs, whatever its control flow. Parameter counts are exact: each distinct
parameter is counted once (tied weights, shared modules), and the rows always add up to the
total.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn

from torchscope.graph.inputs import bind_inputs, check_model, eval_mode
from torchscope.graph.macs import mult_adds
from torchscope.graph.params import count_unique, numel
from torchscope.graph.values import leaves_with_paths

MEGABYTE = 1e6  # torchinfo's unit


@dataclass
class SummaryRow:
    """One module call as shown in the table.

    ``params`` counts parameters not already counted in an earlier row: a module's own
    parameters when its children have rows, its whole subtree when they do not.
    ``recursive`` marks a second call of a shared module (its parameters are counted once).
    """

    path: str
    type: str
    depth: int
    index: str
    output_shapes: list[list[int]]
    params: int
    trainable: str
    mult_adds: int
    recursive: bool

    @property
    def layer(self) -> str:
        """The row label: "Conv2d: 2-1" (the root is just its type)."""
        return self.type if self.depth == 0 else f"{self.type}: {self.index}"


@dataclass
class SummaryTotals:
    """Whole-model counts; sizes are in MB (10**6 bytes)."""

    total_params: int
    trainable_params: int
    non_trainable_params: int
    mult_adds: int
    input_size_mb: float
    forward_size_mb: float
    params_size_mb: float

    @property
    def total_size_mb(self) -> float:
        return self.input_size_mb + self.forward_size_mb + self.params_size_mb


@dataclass
class ModelSummary:
    """The rows and totals of :func:`summary`; ``str()`` renders the table."""

    model_name: str
    depth: int
    rows: list[SummaryRow] = field(default_factory=list)
    totals: SummaryTotals | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (rows with their labels, totals with the total size)."""
        totals = None
        if self.totals is not None:
            totals = {**asdict(self.totals), "total_size_mb": self.totals.total_size_mb}
        return {
            "model_name": self.model_name,
            "depth": self.depth,
            "rows": [{**asdict(row), "layer": row.layer} for row in self.rows],
            "totals": totals,
        }

    def __str__(self) -> str:
        from torchscope.graph.summary_table import render

        return render(self)


@dataclass
class _Call:
    module: nn.Module
    path: str
    depth: int
    children: list[_Call] = field(default_factory=list)
    output_shapes: list[list[int]] = field(default_factory=list)
    output_bytes: int = 0
    mult_adds: int = 0


class _CallRecorder:
    """Forward hooks that build the tree of module calls of one forward pass."""

    def __init__(self, model: nn.Module) -> None:
        self.paths = {id(module): path for path, module in model.named_modules()}
        self.root: _Call | None = None
        self.stack: list[_Call] = []

    @contextlib.contextmanager
    def hooked(self, model: nn.Module) -> Iterator[None]:
        handles = []
        for module in model.modules():
            handles.append(module.register_forward_pre_hook(self._enter, with_kwargs=True))
            handles.append(module.register_forward_hook(self._leave, with_kwargs=True))
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    def _enter(self, module: nn.Module, args: Any, kwargs: Any) -> None:
        parent = self.stack[-1] if self.stack else None
        call = _Call(
            module, self.paths.get(id(module), ""), 0 if parent is None else parent.depth + 1
        )
        if parent is None:
            self.root = self.root or call
        else:
            parent.children.append(call)
        self.stack.append(call)

    def _leave(self, module: nn.Module, args: Any, kwargs: Any, output: Any) -> None:
        while self.stack:
            call = self.stack.pop()
            if call.module is module:
                break
        else:
            return
        tensors = [leaf for _, leaf in leaves_with_paths(output) if isinstance(leaf, torch.Tensor)]
        call.output_shapes = [list(tensor.shape) for tensor in tensors]
        call.output_bytes = sum(tensor.numel() * tensor.element_size() for tensor in tensors)
        call.mult_adds = mult_adds(module, tuple(args), dict(kwargs), output)


def summary(
    model: nn.Module, example_inputs: Any, *, depth: int = 3, verbose: bool = True
) -> ModelSummary:
    """Run ``model`` once on ``example_inputs`` and tabulate its layers, torchinfo-style.

    Rows go ``depth`` modules deep (the root is depth 0); deeper modules are folded into
    their row. ``example_inputs`` is taken as by :func:`torchscope.graph.trace`. The table is
    printed unless ``verbose`` is False; the returned :class:`ModelSummary` holds the data.
    The model runs in eval mode without gradients; its training flags are restored.
    """
    model = check_model(model)
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 0:
        raise ValueError(f"depth must be an int >= 0, got {depth!r}")
    inputs = bind_inputs(model, example_inputs)
    recorder = _CallRecorder(model)
    with eval_mode(model), torch.no_grad(), recorder.hooked(model):
        model(*inputs.args, **inputs.kwargs)
    if recorder.root is None:
        raise RuntimeError(f"{type(model).__name__} ran without calling its forward hooks")
    result = ModelSummary(model_name=type(model).__name__, depth=depth)
    result.rows = _rows(recorder.root, depth)
    result.totals = _totals(model, recorder.root, inputs.tensor_leaves())
    if verbose:
        print(result)
    return result


def _walk(call: _Call) -> Iterator[_Call]:
    yield call
    for child in call.children:
        yield from _walk(child)


def _rows(root: _Call, max_depth: int) -> list[SummaryRow]:
    counted: set[int] = set()
    seen_modules: set[int] = set()
    rows: list[SummaryRow] = []

    def visit(call: _Call, index: str) -> None:
        folded = call.depth >= max_depth or not call.children
        subtree = list(call.module.parameters())
        below = [p for c in _walk(call) if c is not call for p in c.module.parameters()]
        if folded:
            # everything run under this row, even a layer owned elsewhere and called from here
            candidates, shown_below = subtree + below, set()
        else:
            candidates, shown_below = subtree, {id(p) for p in below}
        fresh = [p for p in candidates if id(p) not in counted and id(p) not in shown_below]
        params, _ = count_unique(fresh)
        counted.update(id(p) for p in fresh)
        recursive = id(call.module) in seen_modules and bool(subtree)
        seen_modules.add(id(call.module))
        calls = list(_walk(call)) if folded else [call]
        rows.append(
            SummaryRow(
                path=call.path,
                type=type(call.module).__name__,
                depth=call.depth,
                index=index,
                output_shapes=call.output_shapes,
                params=params,
                trainable=_trainable(subtree),
                mult_adds=sum(c.mult_adds for c in calls),
                recursive=recursive,
            )
        )
        if not folded:
            for position, child in enumerate(call.children, start=1):
                visit(child, f"{child.depth}-{position}")

    visit(root, "0-1")
    return rows


def _trainable(parameters: list[nn.Parameter]) -> str:
    if not parameters:
        return "--"
    flags = {p.requires_grad for p in parameters}
    return "Partial" if len(flags) == 2 else str(flags.pop())


def _totals(
    model: nn.Module, root: _Call, input_leaves: list[tuple[str, torch.Tensor]]
) -> SummaryTotals:
    total, trainable = count_unique(model.parameters())
    unique_params = {id(p): p for p in model.parameters()}.values()
    unique_inputs = {id(t): t for _, t in input_leaves}.values()
    calls = list(_walk(root))
    leaf_bytes = sum(call.output_bytes for call in calls if not call.children)
    return SummaryTotals(
        total_params=total,
        trainable_params=trainable,
        non_trainable_params=total - trainable,
        mult_adds=sum(call.mult_adds for call in calls),
        input_size_mb=sum(t.numel() * t.element_size() for t in unique_inputs) / MEGABYTE,
        forward_size_mb=leaf_bytes / MEGABYTE,
        params_size_mb=sum(numel(p) * p.element_size() for p in unique_params) / MEGABYTE,
    )
