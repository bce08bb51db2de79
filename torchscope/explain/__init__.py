"""torchscope.explain"""
