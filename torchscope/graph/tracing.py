"""``trace(model, example_inputs)``: fx first, then torch.export, then torch.jit.trace."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch import nn

from torchscope.graph.export_tracer import trace_export
from torchscope.graph.fx_tracer import trace_fx
from torchscope.graph.inputs import BoundInputs, bind_inputs, check_model, eval_mode
from torchscope.graph.jit_tracer import trace_jit
from torchscope.graph.model import ModelGraph

Tracer = Callable[[nn.Module, BoundInputs], ModelGraph]

TRACER_ORDER: tuple[str, ...] = ("fx", "export", "jit")
_TRACERS: dict[str, Tracer] = {"fx": trace_fx, "export": trace_export, "jit": trace_jit}


class GraphTraceError(RuntimeError):
    """No tracer could follow the model; ``failures`` maps each tracer to its error."""

    def __init__(self, model_name: str, failures: dict[str, str]) -> None:
        self.failures = failures
        reasons = "; ".join(f"{name}: {reason}" for name, reason in failures.items())
        super().__init__(f"could not trace {model_name}: {reasons}")


def trace(
    model: nn.Module, example_inputs: Any, *, tracers: Sequence[str] = TRACER_ORDER
) -> ModelGraph:
    """The graph of ``model`` run on ``example_inputs``.

    ``example_inputs`` is a tensor (one argument), a tuple or list (positional arguments) or
    a dict (keyword arguments); wrap a dict in a tuple to pass it as one argument.
    torch.fx symbolic tracing is tried first; where it cannot follow the code (control flow
    on values or shapes) torch.export and then torch.jit.trace are tried. ``graph.tracer``
    says which one produced the graph, ``graph.fallbacks`` why the earlier ones failed.
    The model runs in eval mode without gradients; its training flags are restored.
    """
    model = check_model(model)
    chosen = _check_tracers(tracers)
    inputs = bind_inputs(model, example_inputs)
    failures: dict[str, str] = {}
    with eval_mode(model), torch.no_grad(), _quiet_torch_logs(), warnings.catch_warnings():
        # tracer warnings (TracerWarning, export's attribute notes) are expected on fallbacks
        warnings.simplefilter("ignore")
        for name in chosen:
            try:
                graph = _TRACERS[name](model, inputs)
            except Exception as error:  # every tracer failure means "try the next one"
                failures[name] = _one_line(error)
                continue
            graph.fallbacks = failures
            return graph
    raise GraphTraceError(type(model).__name__, failures)


@contextlib.contextmanager
def _quiet_torch_logs() -> Iterator[None]:
    """Silence torch's own loggers while a tracer that may fail is tried.

    A failed torch.export logs its guards and partial graphs at WARNING; the failure is
    already reported in ``graph.fallbacks``.
    """
    loggers = [logging.getLogger("torch")] + [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        if name.startswith("torch") and isinstance(logger, logging.Logger)
    ]
    levels = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in levels:
            logger.setLevel(level)


def _check_tracers(tracers: Sequence[str]) -> list[str]:
    if isinstance(tracers, str) or not tracers:
        raise ValueError(f"tracers must be a non-empty sequence of {TRACER_ORDER}, got {tracers!r}")
    unknown = [name for name in tracers if name not in _TRACERS]
    if unknown:
        raise ValueError(f"tracers: unknown tracer(s) {unknown}; choose from {TRACER_ORDER}")
    return list(tracers)


def _one_line(error: BaseException, limit: int = 300) -> str:
    text = " ".join(str(error).split())
    message = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return message if len(message) <= limit else message[: limit - 3] + "..."
