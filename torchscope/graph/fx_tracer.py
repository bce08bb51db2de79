"""The first tracer: torch.fx symbolic tracing, with shapes from one real forward pass."""

from __future__ import annotations

from typing import Any

from torch import fx, nn

from torchscope.graph.builder import GraphBuilder
from torchscope.graph.fx_graph import FxGraphWalker, constant_attributes
from torchscope.graph.inputs import BoundInputs
from torchscope.graph.model import ModelGraph
from torchscope.graph.refs import TensorRef
from torchscope.graph.values import (
    contains_tensor,
    info_tree,
    leaves_with_paths,
    refs_for_input,
    tensor_info,
)


class _ShapeRecorder(fx.Interpreter):
    """Runs the traced module and keeps each node's output shapes and dtypes (not values)."""

    def __init__(self, module: fx.GraphModule) -> None:
        super().__init__(module)
        self.infos: dict[fx.Node, Any] = {}

    def run_node(self, n: fx.Node) -> Any:
        result = super().run_node(n)
        self.infos[n] = info_tree(result)
        return result


class _SymbolicWalker(FxGraphWalker):
    def __init__(
        self,
        builder: GraphBuilder,
        infos: dict[fx.Node, Any],
        module: fx.GraphModule,
        placeholder_values: list[Any],
    ) -> None:
        super().__init__(builder, infos)
        self.module = module
        self._placeholder_values = iter(placeholder_values)

    def placeholder_refs(self, node: fx.Node) -> Any:
        return next(self._placeholder_values, None)

    def describe(self, node: fx.Node) -> tuple[str, str, dict[str, Any], str | None]:
        if node.op == "call_module":
            path = str(node.target)
            submodule = self.module.get_submodule(path)
            return path.rsplit(".", 1)[-1], type(submodule).__name__, {}, path
        if node.op == "call_method":
            named = [(f"arg{i}", arg) for i, arg in enumerate(node.args) if i > 0]
            return (
                node.name,
                str(node.target),
                constant_attributes([*named, *node.kwargs.items()]),
                None,
            )
        op_type = getattr(node.target, "__name__", str(node.target))
        return node.name, op_type, constant_attributes(self._named_arguments(node)), None

    def _named_arguments(self, node: fx.Node) -> list[tuple[str, Any]]:
        try:
            normalized = node.normalized_arguments(self.module, normalize_to_only_use_kwargs=True)
        except Exception:  # normalization is best effort; unnamed arguments are fine
            normalized = None
        if normalized is not None:
            return list(normalized.kwargs.items())
        return [(f"arg{i}", arg) for i, arg in enumerate(node.args)] + list(node.kwargs.items())

    def add_outputs(self, node: fx.Node, refs: Any) -> None:
        for path, leaf in leaves_with_paths(refs):
            if isinstance(leaf, TensorRef):
                self.builder.add_output("output" + path, leaf)


def trace_fx(model: nn.Module, inputs: BoundInputs) -> ModelGraph:
    """Graph of ``model`` by torch.fx symbolic tracing; raises where tracing cannot follow."""
    # arguments that hold no tensor (None masks, loop counts, flags) are traced as the
    # constants they are, so ``if mask is not None`` and ``range(n)`` can be followed
    concrete = {
        name: value for name, value in inputs.arguments.items() if not contains_tensor(value)
    }
    module = fx.symbolic_trace(model, concrete_args=concrete or None)
    placeholders = [node for node in module.graph.nodes if node.op == "placeholder"]
    args = tuple(inputs.arguments.values())
    if len(args) != len(placeholders):
        raise ValueError(f"forward takes {len(placeholders)} inputs, got {len(args)}")
    recorder = _ShapeRecorder(module)
    recorder.run(*args)

    builder = GraphBuilder(type(model).__name__)
    builder.add_module_tree(model)
    leaf_ids = {name: builder.add_input(name, tensor_info(t)) for name, t in inputs.tensor_leaves()}
    placeholder_values = [
        refs_for_input(name, value, leaf_ids) for name, value in inputs.arguments.items()
    ]
    _SymbolicWalker(builder, recorder.infos, module, placeholder_values).walk(module.graph)
    return builder.build("fx")
