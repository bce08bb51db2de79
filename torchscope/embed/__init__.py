"""torchscope.embed"""
