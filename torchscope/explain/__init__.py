"""CNN explanations as plain functions: tensors in, tensors out, no server needed.

Every method takes ``(model, inputs, target, ...)`` with ``inputs`` a batch ``(N, C, H, W)`` and
``target`` a class index, one index per sample, or a callable on the model output. The model is
left exactly as it was found: no hooks remain, every module's train/eval mode is restored,
parameters' ``.grad`` are untouched and the calls work inside ``torch.no_grad()``.
"""

from .cam import grad_cam, grad_cam_pp, guided_grad_cam, upsample
from .features import feature_maps, filters
from .gradients import deconvnet, guided_backprop, saliency
from .images import apply_colormap, image_to_rgb, normalize, overlay, to_heatmap
from .integrated import integrated_gradients
from .layers import Layer
from .maximization import activation_maximization
from .occlusion import occlusion
from .record import METHODS, RECORD_FORMAT, explanation_record
from .relu_rules import relu_rule
from .smooth import smooth_grad
from .targets import Target

__all__ = [
    "METHODS",
    "RECORD_FORMAT",
    "Layer",
    "Target",
    "activation_maximization",
    "apply_colormap",
    "deconvnet",
    "explanation_record",
    "feature_maps",
    "filters",
    "grad_cam",
    "grad_cam_pp",
    "guided_backprop",
    "guided_grad_cam",
    "image_to_rgb",
    "integrated_gradients",
    "normalize",
    "occlusion",
    "overlay",
    "relu_rule",
    "saliency",
    "smooth_grad",
    "to_heatmap",
    "upsample",
]
