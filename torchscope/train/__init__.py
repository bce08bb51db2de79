"""torchscope.train"""
