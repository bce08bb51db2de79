"""TensorBoard-compatible .proto schema (package torchscope.tb) and its compiled descriptors."""
