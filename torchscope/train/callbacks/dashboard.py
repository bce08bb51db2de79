"""The torchscope logger: one callback that sends a fit to every view of the dashboard.

It writes a TensorBoard log directory (scalars, weight and gradient histograms, the model graph and
summary, fixed samples, explanation maps and per-class precision-recall curves every epoch, a
Custom Scalars chart of train against validation loss, embeddings of validation samples and the
fit's hyperparameters with its final metrics at the end) and, when given a live client, draws the
loss, the learning rate and the metrics live as well.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from torchscope.train.callbacks.sink import MetricsSink

if TYPE_CHECKING:
    from torchscope.client.writer import SummaryWriter

#: Live batch-loss points are sent when this many are waiting, or this many seconds passed.
LIVE_BATCH_POINTS = 32
LIVE_BATCH_S = 0.5

#: Explanation methods the logger knows how to draw, by name.
EXPLAIN_METHODS = ("saliency", "guided_backprop", "deconvnet", "grad_cam")


class TorchscopeLogger(MetricsSink):
    """Log a fit to a log directory and, optionally, to a live server.

    Args:
        log_dir: where the event files go (``runs/<date>_<host>`` when None, as torch does).
        vis: a ``torchscope.Visdom`` (or ``visdom.Visdom``) client for live plots, or None.
        every: log the batch loss and learning rate every ``every`` training batches.
        histogram_every: weight and gradient histograms every this many batches (0: never).
        n_samples: how many fixed validation samples are drawn and explained.
        n_explained: how many of them get full explanation records (Explain view), each
            with the maps of its top three predicted classes.
        explain: explanation methods drawn on the fixed samples after every epoch.
        graph: write the model graph and its summary table at the start.
        embeddings: at the end, write the inputs of the last ``nn.Linear`` for up to
            ``n_embeddings`` validation samples to the projector, labelled by their class.
        pr_curves: after every epoch, one precision-recall curve per class of a classifier
            (the validation predictions after a softmax against one-vs-rest labels).
        hparams: at the end, the learner's settings and the final metrics for the HParams view.
    """

    def __init__(
        self,
        log_dir: str | None = None,
        *,
        vis: Any = None,
        every: int = 1,
        histogram_every: int = 50,
        n_samples: int = 8,
        n_explained: int = 2,
        explain: Sequence[str] = ("saliency", "grad_cam"),
        graph: bool = True,
        embeddings: bool = True,
        n_embeddings: int = 300,
        pr_curves: bool = True,
        hparams: bool = True,
    ) -> None:
        super().__init__(every=every)
        unknown = [name for name in explain if name not in EXPLAIN_METHODS]
        if unknown:
            raise ValueError(f"explain: unknown methods {unknown}; choose from {EXPLAIN_METHODS}")
        if histogram_every < 0:
            raise ValueError(f"histogram_every must be >= 0, got {histogram_every}")
        self.log_dir = log_dir
        self.vis = vis
        self._pending_live: list[tuple[int, dict[str, Any]]] = []
        self._live_sent = 0.0
        self.histogram_every = histogram_every
        self.n_samples = n_samples
        self.n_explained = n_explained
        self.explain = tuple(explain)
        self.graph = graph
        self.embeddings = embeddings
        self.n_embeddings = n_embeddings
        self.pr_curves = pr_curves
        self.hparams = hparams
        self.writer: SummaryWriter | None = None
        self._samples: tuple[torch.Tensor, torch.Tensor] | None = None

    # -- the MetricsSink hooks ------------------------------------------------------------

    def log_start(self) -> None:
        from torchscope.client.writer import SummaryWriter

        learner = self.learner
        self.writer = SummaryWriter(self.log_dir, live=True)
        self.writer.add_custom_scalars(
            {
                "Training": {
                    "loss, train vs validation": ["Multiline", [r"epoch/(train|valid)_loss"]]
                }
            }
        )
        if learner.valid_loader is not None:
            inputs, targets = learner.fixed_batch(self.n_samples)
            self._samples = (inputs[0], targets[0])
            samples = _as_images(inputs[0]).numpy()  # (N, C, H, W) in [0, 1]
            strip = np.concatenate(list(samples.transpose(0, 2, 3, 1)), axis=1)  # H, N*W, C
            self.writer.add_image("samples/inputs", _enlarge(strip, 8), 0, dataformats="HWC")
        if self.graph and self._samples is not None:
            self._log_graph(self._samples[0])

    # The loss arrives as a tensor: the writer copies a GPU value without waiting for it, and the
    # live points are sent in batches, so reading them back waits once per batch of points.
    batch_loss_as_tensor = True

    def log_batch(self, step: int, values: dict[str, Any]) -> None:
        writer = self._writer()
        for name, value in values.items():
            writer.add_scalar(f"train/{name}", value, step)
        if self.vis is None:
            return
        self._pending_live.append((step, values))
        now = time.monotonic()
        if len(self._pending_live) >= LIVE_BATCH_POINTS or now - self._live_sent >= LIVE_BATCH_S:
            self._send_live_batch()

    def _send_live_batch(self) -> None:
        pending, self._pending_live = self._pending_live, []
        self._live_sent = time.monotonic()
        if not pending or self.vis is None:
            return
        steps = [step for step, _ in pending]
        for name in pending[0][1]:
            column = torch.stack([torch.as_tensor(values[name]).double() for _, values in pending])
            ys = column.cpu().tolist()  # one wait for the device for the whole batch
            opts = {"title": name, "xlabel": "step", "ylabel": name}
            self.vis.line(Y=ys, X=steps, win=name, update="append", opts=opts)

    def log_epoch(self, epoch: int, values: dict[str, float]) -> None:
        self._send_live_batch()
        writer = self._writer()
        step = self.learner.train_iter
        for name, value in values.items():
            if name == "time" or not isinstance(value, (int, float)):
                continue
            writer.add_scalar(f"epoch/{name}", value, step)
            self._live_point(f"epoch_{name}", epoch + 1, float(value), xlabel="epoch")
        if self._samples is not None and self.explain:
            self._log_explanations(step)
        if self.pr_curves and self.learner.valid_loader is not None:
            self._log_pr_curves(step)

    def log_end(self) -> None:
        self._send_live_batch()
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        flush = getattr(self.vis, "flush", None)
        if callable(flush):
            flush()

    # -- extra events -----------------------------------------------------------------------

    def after_backward(self) -> None:
        learner = self.learner
        if not self.histogram_every or learner.train_iter % self.histogram_every:
            return
        writer = self._writer()
        for name, parameter in learner.model.named_parameters():
            writer.add_histogram(f"weights/{name}", parameter.detach(), learner.train_iter)
            if parameter.grad is not None:
                writer.add_histogram(f"gradients/{name}", parameter.grad, learner.train_iter)

    def after_fit(self) -> None:
        if self.embeddings and self.learner.valid_loader is not None:
            self._log_embeddings()
        if self.hparams:
            self._log_hparams()

    # -- pieces ------------------------------------------------------------------------------

    def _writer(self) -> SummaryWriter:
        if self.writer is None:
            raise RuntimeError("TorchscopeLogger used outside a fit")
        return self.writer

    def _live_point(self, name: str, x: float, y: float, xlabel: str) -> None:
        if self.vis is None:
            return
        opts = {"title": name, "xlabel": xlabel, "ylabel": name}
        self.vis.line(Y=[y], X=[x], win=name, update="append", opts=opts)

    def _log_graph(self, inputs: torch.Tensor) -> None:
        from torchscope.graph import summary

        model = self.learner.model
        writer = self._writer()
        try:
            writer.add_graph(model, inputs)
        except Exception as error:  # a graph the tracer cannot follow must not stop training
            warnings.warn(
                f"TorchscopeLogger: the model graph was not logged: {error}", stacklevel=2
            )
        table = summary(model, inputs[:1], verbose=False)
        writer.add_text("model/summary", "```\n" + str(table) + "\n```", 0)
        if self.vis is not None:
            self.vis.text(f"<pre>{_escape(str(table))}</pre>", win="model_summary",
                          opts={"title": "model summary"})  # fmt: skip

    def _log_explanations(self, step: int) -> None:
        from torchscope import explain

        assert self._samples is not None
        inputs, _ = self._samples
        model = self.learner.model
        with torch.no_grad():
            predicted = model(inputs).argmax(dim=1)
        for method in self.explain:
            maps = getattr(explain, method)(model, inputs, predicted)
            heat = explain.to_heatmap(maps) if maps.shape[1] != 1 else maps[:, 0]
            tiles = [explain.overlay(image, heat[i], alpha=0.45) for i, image in enumerate(inputs)]
            grid = _enlarge(np.concatenate(tiles, axis=1), factor=8)
            self._writer().add_image(f"explain/{method}", grid, step, dataformats="HWC")
            if self.vis is not None:
                self.vis.image(grid.transpose(2, 0, 1), win=f"explain_{method}",
                               opts={"title": f"{method} (predicted class)",
                                     "caption": f"step {step}"})  # fmt: skip
        self._log_explanation_records(inputs, step)

    def _log_explanation_records(self, inputs: torch.Tensor, step: int) -> None:
        """Records for the Explain view: each method's map for the top predictions of a few
        fixed samples, so the view's target picker can switch between them."""
        from torchscope.explain import explanation_record

        model = self.learner.model
        for index, image in enumerate(inputs[: self.n_explained]):
            with torch.no_grad():
                top = model(image[None]).topk(min(3, self._n_classes(model)), dim=1)
            record = explanation_record(model, image, methods=self.explain, targets=top.indices[0])
            self._writer().add_explanation(f"explain/sample_{index}", record, step)
            if self.vis is not None:
                self.vis.explanation(record, win=f"explain_sample_{index}",
                                     opts={"title": f"sample {index}"})  # fmt: skip

    @staticmethod
    def _n_classes(model: nn.Module) -> int:
        head = _last_linear(model)
        return head.out_features if head is not None else 1

    def _log_pr_curves(self, step: int) -> None:
        probabilities, targets = self.learner.get_preds(activation=lambda out: out.softmax(dim=1))
        if targets is None or probabilities.dim() != 2 or targets.dim() != 1:
            return  # not a classifier's (N, classes) output against class indices
        writer = self._writer()
        for cls in range(probabilities.shape[1]):
            writer.add_pr_curve(f"pr/class_{cls}", targets == cls, probabilities[:, cls], step)

    def _log_hparams(self) -> None:
        learner = self.learner
        settings = {
            "lr": learner.lr,
            "batch_size": learner.batch_size or 0,
            "epochs": learner.n_epochs,
            "optimizer": getattr(learner.opt_func, "__name__", str(learner.opt_func)),
        }
        final = learner.recorder.last
        metrics = {
            f"hparam/{name}": float(value)
            for name, value in final.items()
            if name not in ("epoch", "time") and isinstance(value, (int, float))
        }
        if metrics:
            self._writer().add_hparams(settings, metrics, run_name="hparams")

    def _log_embeddings(self) -> None:
        learner = self.learner
        model = learner.model
        head = _last_linear(model)
        if head is None:
            return
        inputs_tuple, targets_tuple = learner.fixed_batch(self.n_embeddings)
        inputs, labels = inputs_tuple[0], targets_tuple[0]
        captured: list[torch.Tensor] = []
        handle = head.register_forward_hook(lambda _m, args, _out: captured.append(args[0]))
        was_training = model.training
        try:
            with torch.no_grad():
                model.eval()
                model(inputs)
        finally:
            handle.remove()
            model.train(was_training)
        features = captured[0].flatten(1).cpu()
        self._writer().add_embedding(
            features,
            metadata=[str(int(label)) for label in labels],
            label_img=_as_images(inputs),
            global_step=learner.train_iter,
            tag="validation_features",
        )


def _last_linear(model: nn.Module) -> nn.Linear | None:
    linears = [module for module in model.modules() if isinstance(module, nn.Linear)]
    return linears[-1] if linears else None


def _as_images(inputs: torch.Tensor) -> torch.Tensor:
    """A batch scaled to [0, 1] per batch, for image summaries."""
    images = inputs.detach().float().cpu()
    low, high = images.min(), images.max()
    return (images - low) / (high - low) if high > low else torch.zeros_like(images)


def _enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscaling, so 8x8 digits stay legible in the dashboard."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
