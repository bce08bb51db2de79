"""torchscope.events"""
