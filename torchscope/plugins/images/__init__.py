"""Images: the encoded PNG/GIF/JPEG bytes of each step, served as they were written.

Routes (TensorBoard's): ``tags``; ``images?run&tag&sample=S`` lists the steps holding at least
``S + 1`` images, each with an opaque ``query``; ``individualImage?<query>`` answers the bytes
with the Content-Type their magic number says.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from typing import ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from torchscope.logdir.payloads import decode_blobs
from torchscope.logdir.serving import (
    LogdirPlugin,
    endpoint,
    int_param,
    json_response,
    query_param,
)
from torchscope.logdir.store import UnknownTagError
from torchscope.plugins.sample_tags import sample_param, sample_tags_response

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"BM", "image/bmp"),
)


def image_mime_type(data: bytes) -> str:
    """The Content-Type of encoded image bytes, from their first bytes."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


class ImagesPlugin(LogdirPlugin):
    """Images logged with ``add_image``, ``add_images``, ``add_figure``, ``add_video``..."""

    name: ClassVar[str] = "images"
    tab_name: ClassVar[str] = "Images"

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/tags", endpoint(self._tags)),
            Route("/images", endpoint(self._images)),
            Route("/individualImage", endpoint(self._individual_image)),
        ]

    def _tags(self, request: Request) -> Response:
        return sample_tags_response(self)

    def _images(self, request: Request) -> Response:
        run, tag = query_param(request, "run"), query_param(request, "tag")
        sample = sample_param(request)
        self._check_tag(run, tag)
        answer = []
        for index, item in enumerate(self.store.samples(run, tag)):
            if len(decode_blobs(item.payload)) - 2 <= sample:
                continue  # this step holds fewer images
            query = urllib.parse.urlencode(
                {"run": run, "tag": tag, "sample": sample, "index": index, "step": item.step}
            )
            answer.append({"wall_time": item.wall_time, "step": item.step, "query": query})
        return json_response(answer)

    def _individual_image(self, request: Request) -> Response:
        run, tag = query_param(request, "run"), query_param(request, "tag")
        sample = int_param(request, "sample", 0) or 0
        index = int_param(request, "index")
        step = int_param(request, "step")
        self._check_tag(run, tag)
        items = self.store.samples(run, tag)
        # A capped series may have replaced the sample since the query was made: find its step.
        chosen = items[index] if index is not None and 0 <= index < len(items) else None
        if step is not None and (chosen is None or chosen.step != step):
            chosen = next((item for item in items if item.step == step), None)
        if chosen is None:
            raise UnknownTagError(f"no image {index} in run {run!r}, tag {tag!r}")
        blobs = decode_blobs(chosen.payload)
        if not 0 <= sample < len(blobs) - 2:
            raise UnknownTagError(f"step {chosen.step} of tag {tag!r} has no sample {sample}")
        data = blobs[sample + 2]
        return Response(data, media_type=image_mime_type(data))

    def _check_tag(self, run: str, tag: str) -> None:
        if self.store.tag_info(run, tag).plugin != self.name:
            raise UnknownTagError(f"tag {tag!r} of run {run!r} holds no images")


__all__ = ["ImagesPlugin", "image_mime_type"]
