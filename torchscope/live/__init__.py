"""torchscope.live"""
