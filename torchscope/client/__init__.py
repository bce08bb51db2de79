"""torchscope.client"""
