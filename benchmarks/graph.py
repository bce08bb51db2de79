"""Graph extraction: torchscope.graph.trace()+to_json vs TensorBoard's add_graph graph building.

Both run on the same ResNet-50-sized network (bottleneck blocks [3, 4, 6, 3], built in code)
and the same input; each side is timed over repeated runs after one warm-up and the medians
are compared. Node counts show what each hands to a graph view: torchscope's ops as written,
TensorBoard's GraphDef nodes with how many of them are tracer plumbing.

    python benchmarks/graph.py [--repeats 5] [--size 64]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch.utils.tensorboard._pytorch_graph import graph as tensorboard_graph

from torchscope.graph import from_graphdef, trace
from torchscope.graph.graphdef import is_plumbing
from torchscope.graph.zoo import resnet50


def median_seconds(work: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    result = work()  # warm-up: first-call caches on both sides
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", type=int, default=64, help="input height and width")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # torch.jit.trace deprecation notes from add_graph

    torch.manual_seed(0)
    model = resnet50().eval()
    x = torch.randn(1, 3, args.size, args.size)
    params = sum(p.numel() for p in model.parameters())

    def ours() -> tuple[Any, str]:
        graph = trace(model, x)
        return graph, graph.to_json()

    def theirs() -> bytes:
        graph_def, _ = tensorboard_graph(model, x)
        return graph_def.SerializeToString()

    ours_s, (graph, text) = median_seconds(ours, args.repeats)
    theirs_s, _ = median_seconds(theirs, args.repeats)

    graph_def, _ = tensorboard_graph(model, x)
    ops = [node.op for node in graph_def.node]
    plumbing = sum(1 for op in ops if is_plumbing(op))
    io_nodes = sum(1 for op in ops if op == "IO Node")
    converted = from_graphdef(graph_def)
    stats = graph.stats()

    print(
        f"graph extraction, ResNet-50-sized network ({params:,} params), "
        f"input 1x3x{args.size}x{args.size}, median of {args.repeats} runs"
    )
    print(
        f"  torchscope trace()+to_json     {ours_s:7.3f} s  "
        f"{stats['op']:,} ops as written, {stats['module']:,} modules, {stats['edges']:,} edges, "
        f"JSON {len(text) / 1024:,.0f} KiB (tracer: {graph.tracer})"
    )
    print(
        f"  tensorboard add_graph (build)  {theirs_s:7.3f} s  "
        f"{len(ops):,} GraphDef nodes: {plumbing:,} plumbing (prim::, size arithmetic), "
        f"{len(ops) - plumbing - io_nodes:,} compute ops"
    )
    print(
        f"  that GraphDef through from_graphdef(): {len(converted.ops):,} ops, "
        f"{len(converted.modules):,} modules"
    )
    print(f"  ratio tensorboard / torchscope: {theirs_s / ours_s:.2f}x")


if __name__ == "__main__":
    main()
