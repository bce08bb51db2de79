"""torchscope.logdir"""
