"""Loggers for training frameworks, writing through torchscope's SummaryWriter and Visdom client.

* :mod:`torchscope.integrations.lightning`: ``TorchscopeLightningLogger`` for PyTorch Lightning;
* :mod:`torchscope.integrations.huggingface`: ``TorchscopeCallback`` for the Hugging Face
  ``Trainer``.

Each module imports its framework, so import the one you use; this package imports neither.
"""
