"""Backward rules at ReLUs: the one place where saliency, deconvnet and guided backprop differ.

The rules are installed with a :class:`torch.overrides.TorchFunctionMode`, so they reach every way a
model can apply a ReLU: ``nn.ReLU`` modules (which call ``F.relu``), ``F.relu`` / ``F.relu_``,
``torch.relu`` / ``torch.relu_``, ``Tensor.relu`` / ``Tensor.relu_``, in place or not, and even
functions imported under another name. Nothing is patched: leaving the ``with`` block leaves torch
exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

ReluRule = Literal["gradient", "deconvnet", "guided"]
RELU_RULES: tuple[ReluRule, ...] = ("gradient", "deconvnet", "guided")

_OUT_OF_PLACE = {torch.relu, F.relu, torch.Tensor.relu}
_IN_PLACE = {torch.relu_, F.relu_, torch.Tensor.relu_}


class RuleSwitch:
    """The rule the ReLUs of one forward pass apply when gradients flow back through them.

    It is read at backward time, so one forward pass can be differentiated twice with two rules
    (Guided Grad-CAM takes the plain gradient at the layer, then the guided one to the input).
    """

    def __init__(self, rule: ReluRule) -> None:
        self.rule: ReluRule = rule


# torch's own ReLU backward: ``grad`` where ``output > 0``, else 0, in one fused pass (a boolean
# mask and ``masked_fill`` took three passes and was the bulk of guided backprop's extra cost).
_threshold_backward = torch.ops.aten.threshold_backward.default


def _backward_rule(switch: RuleSwitch, grad: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
    # output > 0 exactly where the forward input was > 0, as in torch's own ReLU backward.
    if switch.rule == "deconvnet":
        return grad.clamp_min(0)
    masked = _threshold_backward(grad, output, 0)
    # ``masked`` is a fresh tensor: clamping it in place cannot touch a gradient shared by
    # several branches (a residual connection hands the same one to both).
    return masked.clamp_min_(0) if switch.rule == "guided" else masked


class _RuleReLU(torch.autograd.Function):
    """``max(x, 0)`` forward; the switch's rule backward. Saves its output, as torch's ReLU does."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, switch: RuleSwitch) -> torch.Tensor:
        output = torch.relu(x)
        ctx.save_for_backward(output)
        ctx.switch = switch
        return output

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (output,) = ctx.saved_tensors
        return _backward_rule(ctx.switch, grad, output), None


class _RuleReLUInPlace(torch.autograd.Function):
    """The in-place twin: it rectifies ``x`` itself, as ``relu_`` does."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, switch: RuleSwitch) -> torch.Tensor:
        torch.relu_(x)
        ctx.mark_dirty(x)
        ctx.save_for_backward(x)
        ctx.switch = switch
        return x

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (output,) = ctx.saved_tensors
        return _backward_rule(ctx.switch, grad, output), None


class _ReluRuleMode(TorchFunctionMode):
    def __init__(self, switch: RuleSwitch) -> None:
        super().__init__()
        self.switch = switch

    def __torch_function__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        if func in _OUT_OF_PLACE or func in _IN_PLACE:
            x = args[0] if args else kwargs["input"]
            in_place = func in _IN_PLACE or bool(kwargs.get("inplace", False))
            if len(args) > 1:  # F.relu(x, True)
                in_place = in_place or bool(args[1])
            # Without a graph there is nothing to steer: keep torch's own kernel.
            if torch.is_grad_enabled() and x.requires_grad:
                if in_place:
                    return _RuleReLUInPlace.apply(x, self.switch)
                return _RuleReLU.apply(x, self.switch)
        return func(*args, **kwargs)


@contextmanager
def relu_rule(rule: ReluRule | RuleSwitch) -> Iterator[RuleSwitch]:
    """Apply ``rule`` at every ReLU called inside the block; yield the switch that selects it.

    ``"gradient"`` passes ``R * 1[x > 0]`` (the true gradient), ``"deconvnet"`` passes
    ``max(R, 0)`` and ``"guided"`` passes ``R * 1[x > 0] * 1[R > 0]``. The forward values are
    unchanged. Models compiled with TorchScript bypass Python-level overrides and are not covered.
    """
    switch = rule if isinstance(rule, RuleSwitch) else RuleSwitch(rule)
    if switch.rule not in RELU_RULES:
        raise ValueError(f"rule must be one of {RELU_RULES}, got {switch.rule!r}")
    with _ReluRuleMode(switch):
        yield switch
