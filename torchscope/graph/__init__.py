"""torchscope.graph"""
