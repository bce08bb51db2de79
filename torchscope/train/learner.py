"""The Learner: a small training loop whose every stage is open to callbacks."""

from __future__ import annotations

import contextlib
import copy
import gc
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader

from torchscope.train.callback import Callback, overridden_events
from torchscope.train.checkpointing import CheckpointSpec, apply_checkpointing
from torchscope.train.data import first_items, move_to_device, split_batch, to_loader
from torchscope.train.exceptions import (
    CallbackError,
    CancelBackwardException,
    CancelBatchException,
    CancelEpochException,
    CancelFitException,
    CancelStepException,
    CancelTrainException,
    CancelValidException,
)
from torchscope.train.metrics import Metric, MetricFunc, as_metric
from torchscope.train.strategy import Strategy, resolve_strategy

OptFunc = Callable[..., torch.optim.Optimizer]
LossFunc = Callable[..., torch.Tensor]

_CANCELS = (
    CancelFitException,
    CancelEpochException,
    CancelTrainException,
    CancelValidException,
    CancelBatchException,
    CancelBackwardException,
    CancelStepException,
)


class Learner:
    """Train ``model`` on ``train_data`` with callbacks, metrics and a device strategy.

    Args:
        model: the ``nn.Module`` to train. ``learner.model`` always stays this plain module;
            the strategy's wrapper (DataParallel / DDP) is ``learner.wrapped``.
        train_data: a DataLoader, or a Dataset batched with ``batch_size`` and shuffled.
        valid_data: the same for validation (not shuffled), or None for no validation.
        loss_func: ``loss_func(pred, *targets) -> scalar tensor``; cross-entropy by default.
        opt_func: ``opt_func(params, lr=lr) -> Optimizer``; AdamW by default.
        lr: the learning rate (the peak one for :meth:`fit_one_cycle` unless given there).
        metrics: :class:`~torchscope.train.metrics.Metric` objects or functions
            ``f(pred, target) -> scalar`` averaged over the validation samples.
        callbacks: extra :class:`~torchscope.train.callback.Callback` objects. A
            :class:`~torchscope.train.callbacks.Recorder` is always present (``learner.recorder``);
            a text progress bar is added when ``progress`` is true.
        device: the device for the default single-device strategy (the first GPU, else the CPU).
        strategy: ``"single"``, ``"data_parallel"`` (or ``"dp"``), ``"ddp"`` or a
            :class:`~torchscope.train.strategy.Strategy`.
        checkpoint: activation checkpointing: ``"sqrt"`` or a segment count for ``nn.Sequential``
            models, or a set of module types to checkpoint (see
            :mod:`torchscope.train.checkpointing`).
        batch_size: the batch size used when data is given as Datasets.
        n_inputs: how many leading items of a batch are model inputs; the rest are targets.
        progress: add a text progress bar.
    """

    def __init__(
        self,
        model: nn.Module,
        train_data: Any,
        valid_data: Any = None,
        loss_func: LossFunc | None = None,
        opt_func: OptFunc = torch.optim.AdamW,
        lr: float = 1e-3,
        metrics: Iterable[Metric | MetricFunc] = (),
        callbacks: Iterable[Callback] = (),
        device: str | torch.device | None = None,
        strategy: str | Strategy | None = None,
        checkpoint: CheckpointSpec = None,
        batch_size: int = 64,
        n_inputs: int = 1,
        progress: bool = True,
    ) -> None:
        from torchscope.train.callbacks import ProgressBar, Recorder

        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
        if loss_func is not None and not callable(loss_func):
            raise TypeError(f"loss_func must be callable, got {type(loss_func).__name__}")
        if not callable(opt_func):
            raise TypeError(f"opt_func must be callable, got {type(opt_func).__name__}")
        if not isinstance(lr, (int, float)) or not lr > 0 or not math.isfinite(lr):
            raise ValueError(f"lr must be a positive finite number, got {lr!r}")
        if not isinstance(n_inputs, int) or n_inputs < 1:
            raise ValueError(f"n_inputs must be an int >= 1, got {n_inputs!r}")

        self.model = apply_checkpointing(model, checkpoint)
        self.loss_func: LossFunc = loss_func if loss_func is not None else F.cross_entropy
        self.opt_func = opt_func
        self.lr = float(lr)
        self.batch_size = batch_size
        self.n_inputs = n_inputs
        self.metrics: list[Metric] = [as_metric(m) for m in metrics]
        self.train_loader = to_loader(train_data, batch_size, shuffle=True, argument="train_data")
        self.valid_loader = (
            None
            if valid_data is None
            else to_loader(valid_data, batch_size, shuffle=False, argument="valid_data")
        )
        self.strategy = resolve_strategy(strategy, device)
        self.wrapped: nn.Module = self.model
        self.opt: torch.optim.Optimizer = None  # type: ignore[assignment]  # made in _prepare
        self._prepared = False
        self._train_dl: DataLoader = self.train_loader
        self._valid_dl: DataLoader | None = self.valid_loader
        self._eval_module: nn.Module = self.model
        self._valid_loss_sum = torch.zeros((), dtype=torch.float64)
        self._valid_count = 0

        # Hooks that callbacks may replace (mixed precision does): the context the forward pass
        # and loss run in, and the function that steps the optimizer.
        self.forward_context: Callable[[], AbstractContextManager[Any]] = contextlib.nullcontext
        self.optimizer_step: Callable[[], None] = self._plain_optimizer_step

        # Loop state, readable by callbacks.
        self.n_epochs = 0
        self.epoch = 0
        self.iter = 0
        self.n_iter = 0
        self.train_iter = 0  # training batches run over the learner's life: the global step
        self._fit_iter = 0  # training batches run in the current fit
        self.training = False
        self.dl: DataLoader | None = None
        self.xb: tuple[Any, ...] = ()
        self.yb: tuple[Any, ...] = ()
        self.pred: Any = None
        self.loss: torch.Tensor = torch.zeros(())
        self.loss_grad: torch.Tensor = torch.zeros(())
        self.valid_results: dict[str, float] = {}

        self.callbacks: list[Callback] = []
        self._handlers: dict[str, list[tuple[Callback, Callable[[], None]]]] = {}
        self.recorder = Recorder()
        initial: list[Callback] = [self.recorder]
        if progress:
            initial.append(ProgressBar())
        for cb in [*initial, *callbacks]:
            self.add_callback(cb)

    # -- callbacks ----------------------------------------------------------------------------
    def add_callback(self, callback: Callback) -> Learner:
        """Add ``callback``; it runs at the place its ``order`` gives it."""
        if not isinstance(callback, Callback):
            raise TypeError(f"callbacks must be Callback objects, got {type(callback).__name__}")
        callback.learner = self
        self.callbacks.append(callback)
        # sorted() is stable: equal orders keep the order they were added in.
        self.callbacks = sorted(self.callbacks, key=lambda cb: cb.order)
        self._rebuild_handlers()
        return self

    def remove_callback(self, callback: Callback) -> Learner:
        """Remove ``callback`` (the recorder cannot be removed)."""
        if callback is self.recorder:
            raise ValueError("callback: the Recorder cannot be removed")
        self.callbacks.remove(callback)
        self._rebuild_handlers()
        return self

    def get_callback(self, cls: type[Callback]) -> Callback | None:
        """The first callback of type ``cls``, or None."""
        return next((cb for cb in self.callbacks if isinstance(cb, cls)), None)

    @contextlib.contextmanager
    def added_callbacks(self, callbacks: Iterable[Callback]) -> Iterator[None]:
        """Add ``callbacks`` for the duration of a ``with`` block."""
        added = list(callbacks)
        for cb in added:
            self.add_callback(cb)
        try:
            yield
        finally:
            for cb in added:
                if cb in self.callbacks:
                    self.remove_callback(cb)

    def _rebuild_handlers(self) -> None:
        # Precomputed per event, so that events nobody handles cost one dict lookup.
        handlers: dict[str, list[tuple[Callback, Callable[[], None]]]] = {}
        for cb in self.callbacks:
            if cb.main_process_only and not self.strategy.is_main:
                continue
            for event in overridden_events(cb):
                handlers.setdefault(event, []).append((cb, getattr(cb, event)))
        self._handlers = handlers

    def _dispatch(self, event: str) -> None:
        for cb, handler in self._handlers.get(event, ()):
            try:
                handler()
            except _CANCELS:
                raise
            except CallbackError:
                raise
            except Exception as error:
                raise CallbackError(cb.name, event, error) from error

    def _with_events(self, body: Callable[[], None], stage: str, cancel: type[Exception]) -> None:
        try:
            self._dispatch(f"before_{stage}")
            body()
            self._dispatch(f"after_{stage}")
        except cancel:
            self._dispatch(f"after_cancel_{stage}")

    # -- setup ----------------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        """The device batches are moved to."""
        return self.strategy.device

    def _prepare(self) -> None:
        if self._prepared:
            return
        self.wrapped = self.strategy.setup(self.model)
        if self.opt is None:  # kept across close(): the parameters are the same objects
            self.opt = self.opt_func(self.model.parameters(), lr=self.lr)
        self._train_dl = self.strategy.prepare_train_loader(self.train_loader)
        self._valid_dl = (
            None
            if self.valid_loader is None
            else self.strategy.prepare_valid_loader(self.valid_loader)
        )
        self._prepared = True

    def set_lr(self, lr: float) -> None:
        """Set the learning rate of every parameter group."""
        if not lr > 0:
            raise ValueError(f"lr must be positive, got {lr!r}")
        self._prepare()
        self.lr = float(lr)
        for group in self.opt.param_groups:
            group["lr"] = self.lr

    @property
    def pct_train(self) -> float:
        """The fraction of the current fit's training batches already run (0 to 1)."""
        total = self.n_epochs * max(1, self.n_iter)
        return self._fit_iter / total if total else 0.0

    # -- training ---------------------------------------------------------------------------
    def fit(self, epochs: int, lr: float | None = None, callbacks: Iterable[Callback] = ()) -> None:
        """Train ``epochs`` epochs (at ``lr`` if given) with extra ``callbacks`` for this fit."""
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")
        self._prepare()
        if lr is not None:
            self.set_lr(lr)
        with self.added_callbacks(callbacks):
            self._fit(epochs)

    def fit_one_cycle(
        self,
        epochs: int,
        lr_max: float | None = None,
        div: float = 25.0,
        final_div: float = 1e4,
        pct_start: float = 0.25,
        moms: tuple[float, float, float] | None = (0.95, 0.85, 0.95),
        callbacks: Iterable[Callback] = (),
    ) -> None:
        """One-cycle training: warm up to ``lr_max``, then anneal to ``lr_max/final_div``.

        Momentum (or Adam's beta1) moves the opposite way, from ``moms[0]`` down to ``moms[1]`` at
        the peak and back to ``moms[2]``.
        """
        from torchscope.train.schedule import OneCycleSchedule

        schedule = OneCycleSchedule(lr_max or self.lr, div, final_div, pct_start, moms)
        self.fit(epochs, callbacks=[schedule, *callbacks])

    def _fit(self, epochs: int) -> None:
        self.n_epochs = epochs
        self._fit_iter = 0
        self.opt.zero_grad(set_to_none=True)
        try:
            self._with_events(self._run_epochs, "fit", CancelFitException)
        finally:
            self._dispatch("cleanup_fit")
            self.training = False

    def _run_epochs(self) -> None:
        for epoch in range(self.n_epochs):
            self.epoch = epoch
            self._with_events(self._run_epoch, "epoch", CancelEpochException)

    def _run_epoch(self) -> None:
        self.training = True
        self.wrapped.train()
        self.dl = self._train_dl
        self.strategy.set_epoch(self.dl, self.epoch)
        self.n_iter = len(self.dl)
        self._with_events(self._run_batches, "train", CancelTrainException)
        if self._valid_dl is not None:
            self._start_validation(self._valid_dl)
            with torch.no_grad():
                self._with_events(self._run_validation, "validate", CancelValidException)

    def _run_batches(self) -> None:
        assert self.dl is not None
        for index, batch in enumerate(self.dl):
            self.iter = index
            self.xb, self.yb = split_batch(move_to_device(batch, self.device), self.n_inputs)
            self._with_events(self._one_batch, "batch", CancelBatchException)
            if self.training:
                self.train_iter += 1
                self._fit_iter += 1

    def _one_batch(self) -> None:
        module = self.wrapped if self.training else self._eval_module
        with self.forward_context():
            self.pred = module(*self.xb)
            self._dispatch("after_pred")
            loss = self.loss_func(self.pred, *self.yb)
        self.loss_grad = loss
        self.loss = loss.detach()
        self._dispatch("after_loss")
        if not self.training:
            self._accumulate_validation()
            return
        self._with_events(self._backward, "backward", CancelBackwardException)
        self._with_events(self._step, "step", CancelStepException)

    def _backward(self) -> None:
        self.loss_grad.backward()

    def _step(self) -> None:
        self.optimizer_step()
        self.opt.zero_grad(set_to_none=True)

    def _plain_optimizer_step(self) -> None:
        self.opt.step()

    # -- validation ---------------------------------------------------------------------------
    def _start_validation(self, loader: DataLoader) -> None:
        self.training = False
        self._eval_module = self.strategy.inference_module(self.model)
        self._eval_module.eval()
        self.dl = loader
        self.n_iter = len(loader)
        self._valid_loss_sum = torch.zeros((), dtype=torch.float64, device=self.device)
        self._valid_count = 0
        for metric in self.metrics:
            metric.reset()

    def _accumulate_validation(self) -> None:
        n = _batch_size(self.yb[0] if self.yb else self.xb[0])
        self._valid_loss_sum += self.loss.to(torch.float64) * n
        self._valid_count += n
        if self.yb:
            for metric in self.metrics:
                metric.update(self.pred, self.yb[0])

    def _run_validation(self) -> None:
        self._run_batches()
        self.valid_results = self._reduce_validation()

    def _reduce_validation(self) -> dict[str, float]:
        count = torch.tensor(float(self._valid_count), dtype=torch.float64, device=self.device)
        parts = [self._valid_loss_sum.reshape(1), count.reshape(1)]
        parts += [metric.sums().to(self.device, torch.float64) for metric in self.metrics]
        # One all-reduce for the loss and every metric.
        reduced = self.strategy.all_reduce_sum(torch.cat(parts)).cpu()
        results = {"valid_loss": float(reduced[0] / reduced[1]) if reduced[1] else math.nan}
        offset = 2
        for metric, part in zip(self.metrics, parts[2:], strict=True):
            width = part.numel()
            results[metric.name] = metric.compute(reduced[offset : offset + width])
            offset += width
        return results

    def validate(self, data: Any = None) -> dict[str, float]:
        """Loss and metrics on ``data`` (the validation data by default); fires no events."""
        self._prepare()
        if data is None:
            if self._valid_dl is None:
                raise ValueError("data: the learner has no validation data; pass some")
            loader = self._valid_dl
        else:
            loader = self.strategy.prepare_valid_loader(
                to_loader(data, self.batch_size, shuffle=False, argument="data")
            )
        was_training = self.model.training
        self._start_validation(loader)
        try:
            with torch.no_grad():
                for batch in loader:
                    self.xb, self.yb = split_batch(
                        move_to_device(batch, self.device), self.n_inputs
                    )
                    with self.forward_context():
                        self.pred = self._eval_module(*self.xb)
                        self.loss = self.loss_func(self.pred, *self.yb).detach()
                    self._accumulate_validation()
            return self._reduce_validation()
        finally:
            self.model.train(was_training)

    # -- inference ----------------------------------------------------------------------------
    def get_preds(
        self,
        data: Any = None,
        with_targets: bool = True,
        activation: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Model outputs (and targets) for every sample of ``data``, on the CPU, in order.

        ``data`` defaults to the validation data; it is not sharded under DDP (every process
        predicts all of it). ``activation`` (e.g. ``torch.softmax``) is applied to the outputs.
        """
        self._prepare()
        if data is None:
            if self.valid_loader is None:
                raise ValueError("data: the learner has no validation data; pass some")
            loader = self.valid_loader
        else:
            loader = to_loader(data, self.batch_size, shuffle=False, argument="data")
        module = self.strategy.inference_module(self.model)
        was_training = self.model.training
        module.eval()
        preds: list[torch.Tensor] = []
        targets: list[torch.Tensor] = []
        try:
            with torch.no_grad():
                for batch in loader:
                    inputs, target = split_batch(move_to_device(batch, self.device), self.n_inputs)
                    with self.forward_context():
                        out = module(*inputs)
                    preds.append(out.float().cpu() if out.dtype == torch.bfloat16 else out.cpu())
                    if with_targets and target:
                        targets.append(target[0].cpu())
        finally:
            self.model.train(was_training)
        if not preds:
            raise ValueError("data: no batches to predict")
        stacked = torch.cat(preds)
        if activation is not None:
            stacked = activation(stacked)
        return stacked, (torch.cat(targets) if targets else None)

    def predict(self, item: Any) -> torch.Tensor:
        """The model's output for one sample (``item`` has no batch dimension)."""
        self._prepare()
        if not isinstance(item, torch.Tensor):
            raise TypeError(f"item must be a tensor, got {type(item).__name__}")
        module = self.strategy.inference_module(self.model)
        was_training = self.model.training
        module.eval()
        try:
            with torch.no_grad(), self.forward_context():
                out = module(item.unsqueeze(0).to(self.device))
        finally:
            self.model.train(was_training)
        return out[0].cpu()

    def fixed_batch(
        self, n: int = 16, split: str = "valid"
    ) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """The first ``n`` samples of the validation (or ``"train"``) data, on the device.

        Returns ``(inputs, targets)``; loggers use it to draw the same samples every epoch.
        """
        if split not in ("valid", "train"):
            raise ValueError(f"split must be 'valid' or 'train', got {split!r}")
        loader = self.valid_loader if split == "valid" else self.train_loader
        if loader is None:
            raise ValueError("split: the learner has no validation data")
        plain = DataLoader(loader.dataset, batch_size=loader.batch_size or n, shuffle=False,
                           collate_fn=loader.collate_fn)  # fmt: skip
        return split_batch(move_to_device(first_items(plain, n), self.device), self.n_inputs)

    def export_submission(
        self,
        test_data: Any,
        path: str | Path,
        ids: Sequence[Any] | None = None,
        id_column: str = "id",
        label_column: str = "label",
        classes: Sequence[Any] | None = None,
    ) -> Path:
        """Write a Kaggle-style CSV (``id,label``) of the predicted class of every test sample.

        ``ids`` defaults to 0, 1, 2...; ``classes`` maps class indices to labels. Under DDP only
        rank 0 writes. Returns the path.
        """
        from torchscope.train.submission import write_submission

        preds, _ = self.get_preds(test_data, with_targets=False)
        labels = preds.argmax(dim=-1).tolist()
        path = Path(path)
        if self.strategy.is_main:
            write_submission(path, labels, ids, id_column, label_column, classes)
        return path

    # -- learning-rate finder -------------------------------------------------------------
    def lr_find(
        self,
        start_lr: float = 1e-7,
        end_lr: float = 10.0,
        num_it: int = 100,
        stop_div: bool = True,
    ) -> Any:
        """Train briefly with an exponentially growing lr and return the loss-vs-lr curve.

        The model and optimizer are restored afterwards. Returns an
        :class:`~torchscope.train.lr_finder.LRFinderResult` with ``lrs``, ``losses``,
        ``suggestion`` and ``plot(path)``.
        """
        from torchscope.train.lr_finder import LRFinder

        if not 0 < start_lr < end_lr:
            raise ValueError(f"need 0 < start_lr < end_lr, got {start_lr}, {end_lr}")
        if not isinstance(num_it, int) or num_it < 2:
            raise ValueError(f"num_it must be an int >= 2, got {num_it!r}")
        self._prepare()
        saved_model = copy.deepcopy(self.model.state_dict())
        saved_opt = copy.deepcopy(self.opt.state_dict())
        saved_callbacks = self.callbacks
        saved_counters = (self.train_iter, self.epoch)
        finder = LRFinder(start_lr, end_lr, num_it, stop_div)
        self.callbacks = [cb for cb in saved_callbacks if cb.run_in_lr_find]
        try:
            self.add_callback(finder)
            self._fit(math.ceil(num_it / max(1, len(self._train_dl))))
        finally:
            self.callbacks = saved_callbacks
            self._rebuild_handlers()
            self.model.load_state_dict(saved_model)
            self.opt.load_state_dict(saved_opt)
            self.train_iter, self.epoch = saved_counters
        return finder.result()

    # -- persistence ----------------------------------------------------------------------------
    def save(self, path: str | Path, with_opt: bool = True) -> Path:
        """Save the model's (and optimizer's) state dict to ``path``; only rank 0 writes.

        The plain module's weights are saved, so files load into wrapped and plain models alike.
        """
        self._prepare()
        path = Path(path)
        if self.strategy.is_main:
            path.parent.mkdir(parents=True, exist_ok=True)
            state: dict[str, Any] = {"model": self.model.state_dict(), "epoch": self.epoch,
                                     "train_iter": self.train_iter}  # fmt: skip
            if with_opt:
                state["opt"] = self.opt.state_dict()
            torch.save(state, path)
        return path

    def load(self, path: str | Path, with_opt: bool = True, strict: bool = True) -> Learner:
        """Load weights saved by :meth:`save` (or a bare state dict) with ``weights_only=True``.

        A ``module.`` prefix left by a wrapped model's state dict is removed.
        """
        self._prepare()
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"path: no such file {str(path)!r}")
        state = torch.load(path, map_location=self.device, weights_only=True)
        if not isinstance(state, dict):
            raise ValueError(f"path: {str(path)!r} holds no state dict")
        model_state = state.get("model", state)
        self.model.load_state_dict(_strip_module_prefix(model_state), strict=strict)
        if with_opt and "opt" in state:
            self.opt.load_state_dict(state["opt"])
        return self

    # -- life cycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Release the strategy's resources (the DDP process group, if the learner made it).

        The DataParallel / DDP wrapper is dropped first: a DDP reducer that outlives its process
        group can abort the process at exit.
        """
        if self.wrapped is not self.model:
            self.wrapped = self.model
            self.strategy.wrapped = None
            self._prepared = False
            gc.collect()
        self.strategy.teardown()

    def __enter__(self) -> Learner:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # After an error, peers may be blocked in a collective: tearing the group down would wait
        # for them forever. Leave it to the process exit (torchrun then stops the other ranks).
        if exc_type is None:
            self.close()

    def __repr__(self) -> str:
        return (
            f"Learner(model={type(self.model).__name__}, strategy={self.strategy!r}, "
            f"callbacks={[type(cb).__name__ for cb in self.callbacks]})"
        )


def _batch_size(tensor: Any) -> int:
    if isinstance(tensor, torch.Tensor) and tensor.ndim > 0:
        return int(tensor.shape[0])
    return 1


def _strip_module_prefix(state: dict[str, Any]) -> dict[str, Any]:
    keys = list(state)
    if keys and all(k.startswith("module.") for k in keys):
        return {k[len("module.") :]: v for k, v in state.items()}
    return state
