"""Turning ``example_inputs`` into the arguments of ``model.forward``."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from torchscope.graph.values import leaves_with_paths


@dataclass
class BoundInputs:
    """Example inputs bound to the parameters of ``forward``, in signature order."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    # parameter name -> value, in signature order, defaults filled in
    arguments: dict[str, Any]
    # how many leading entries of ``arguments`` reach the last one the caller gave
    provided: int | None = None

    def tensor_leaves(self) -> list[tuple[str, torch.Tensor]]:
        """Every input tensor with its name, e.g. ``("batch['image']", tensor)``."""
        out: list[tuple[str, torch.Tensor]] = []
        for name, value in self.arguments.items():
            for path, leaf in leaves_with_paths(value):
                if isinstance(leaf, torch.Tensor):
                    out.append((name + path, leaf))
        return out

    def positional(self) -> tuple[Any, ...]:
        """The arguments as one positional tuple (for tracers that take no keywords).

        Trailing parameters the caller left at their defaults are omitted, so a ``mask=None``
        default never reaches a tracer that cannot take None.
        """
        values = tuple(self.arguments.values())
        return values if self.provided is None else values[: self.provided]


def check_model(model: object) -> nn.Module:
    """The model, or TypeError naming the ``model`` argument."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


def bind_inputs(model: nn.Module, example_inputs: Any) -> BoundInputs:
    """Bind ``example_inputs`` to ``model.forward``.

    A tuple or list is the positional arguments, a dict the keyword arguments, anything else
    (a tensor) the single positional argument. To pass one dict positionally, wrap it in a
    tuple: ``(batch,)``.
    """
    if example_inputs is None:
        raise ValueError("example_inputs must be given (a tensor, a tuple of arguments or a dict)")
    if isinstance(example_inputs, tuple | list):
        args, kwargs = tuple(example_inputs), {}
    elif isinstance(example_inputs, Mapping):
        args, kwargs = (), dict(example_inputs)
    else:
        args, kwargs = (example_inputs,), {}
    if not any(isinstance(leaf, torch.Tensor) for _, leaf in leaves_with_paths((args, kwargs))):
        raise ValueError("example_inputs must contain at least one tensor")
    try:
        signature = inspect.signature(model.forward)
        bound = signature.bind(*args, **kwargs)
    except TypeError as error:
        raise ValueError(
            f"example_inputs do not match {type(model).__name__}.forward: {error}"
        ) from None
    except ValueError:  # forward without an inspectable signature
        unnamed = {f"input_{i}": value for i, value in enumerate(args)} | kwargs
        return BoundInputs(args, kwargs, unnamed)
    given = set(bound.arguments)
    bound.apply_defaults()
    simple_signature = all(
        p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for p in signature.parameters.values()
    )
    provided = None
    if simple_signature:
        names = list(bound.arguments)
        provided = max((names.index(name) + 1 for name in given), default=0)
    arguments: dict[str, Any] = {}
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            arguments.update({f"{name}[{i}]": item for i, item in enumerate(value)})
        elif kind is inspect.Parameter.VAR_KEYWORD:
            arguments.update(value)
        else:
            arguments[name] = value
    return BoundInputs(args, kwargs, arguments, provided)


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[None]:
    """Run the block with ``model`` in eval mode, then restore every module's training flag."""
    flags = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in flags:
            module.training = training
