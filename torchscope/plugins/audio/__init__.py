"""Audio: clips logged with ``add_audio`` (WAV bytes), served as written.

Routes (TensorBoard's): ``tags``; ``audio?run&tag&sample=S`` lists the steps holding at least
``S + 1`` clips (``label`` rendered as sanitized Markdown, ``contentType``, opaque ``query``);
``individualAudio?<query>`` answers the clip's bytes.
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
from torchscope.plugins.text.render import markdown_to_safe_html


def audio_mime_type(data: bytes) -> str:
    """The Content-Type of encoded audio bytes, from their first bytes."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"fLaC"):
        return "audio/flac"
    if data.startswith(b"ID3") or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    return "audio/wav"  # TensorBoard's only encoding


class AudioPlugin(LogdirPlugin):
    """Audio clips of the log directory."""

    name: ClassVar[str] = "audio"
    tab_name: ClassVar[str] = "Audio"

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/tags", endpoint(self._tags)),
            Route("/audio", endpoint(self._audio)),
            Route("/individualAudio", endpoint(self._individual_audio)),
        ]

    def _tags(self, request: Request) -> Response:
        return sample_tags_response(self)

    def _audio(self, request: Request) -> Response:
        run, tag = query_param(request, "run"), query_param(request, "tag")
        sample = sample_param(request)
        self._check_tag(run, tag)
        answer = []
        for index, item in enumerate(self.store.samples(run, tag)):
            blobs = decode_blobs(item.payload)
            if len(blobs) // 2 <= sample:
                continue
            clip, label = blobs[2 * sample], blobs[2 * sample + 1]
            query = urllib.parse.urlencode(
                {"run": run, "tag": tag, "sample": sample, "index": index, "step": item.step}
            )
            answer.append(
                {
                    "wall_time": item.wall_time,
                    "step": item.step,
                    "label": markdown_to_safe_html(label),
                    "contentType": audio_mime_type(clip),
                    "query": query,
                }
            )
        return json_response(answer)

    def _individual_audio(self, request: Request) -> Response:
        run, tag = query_param(request, "run"), query_param(request, "tag")
        sample = int_param(request, "sample", 0) or 0
        index = int_param(request, "index")
        step = int_param(request, "step")
        self._check_tag(run, tag)
        items = self.store.samples(run, tag)
        chosen = items[index] if index is not None and 0 <= index < len(items) else None
        if step is not None and (chosen is None or chosen.step != step):
            chosen = next((item for item in items if item.step == step), None)
        if chosen is None:
            raise UnknownTagError(f"no clip {index} in run {run!r}, tag {tag!r}")
        blobs = decode_blobs(chosen.payload)
        if not 0 <= sample < len(blobs) // 2:
            raise UnknownTagError(f"step {chosen.step} of tag {tag!r} has no sample {sample}")
        clip = blobs[2 * sample]
        return Response(clip, media_type=audio_mime_type(clip))

    def _check_tag(self, run: str, tag: str) -> None:
        if self.store.tag_info(run, tag).plugin != self.name:
            raise UnknownTagError(f"tag {tag!r} of run {run!r} holds no audio")


__all__ = ["AudioPlugin", "audio_mime_type"]
