"""projector_config.pbtxt: TensorBoard's projector configuration in protobuf text format.

The three messages are declared here with ``descriptor_pb2`` in a private descriptor pool, so
the protobuf runtime's text parser does the parsing (comments, escapes, field order) and no
TensorFlow or TensorBoard import is needed. Unknown fields are ignored, as TensorBoard does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format


class ProjectorDataError(ValueError):
    """Projector files that are missing, malformed or inconsistent with each other."""


@dataclass(frozen=True)
class SpriteInfo:
    """Where the sprite image is and the (width, height) of one thumbnail in it."""

    image_path: str
    single_image_dim: tuple[int, ...]


@dataclass(frozen=True)
class EmbeddingInfo:
    """One ``embeddings { ... }`` entry; paths are relative to the config's directory."""

    tensor_name: str
    tensor_path: str
    metadata_path: str
    bookmarks_path: str
    tensor_shape: tuple[int, ...]
    sprite: SpriteInfo | None


@dataclass(frozen=True)
class ProjectorConfig:
    """A parsed projector_config.pbtxt."""

    embeddings: tuple[EmbeddingInfo, ...]
    model_checkpoint_path: str = ""
    model_checkpoint_dir: str = ""


def _build_message_class() -> Any:
    field = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(
        name="torchscope/embed/projector_config.proto",
        package="tensorboard.projector",
        syntax="proto3",
    )

    def add_message(name: str, fields: list[tuple[str, int, int, int, str]]) -> None:
        message = proto.message_type.add(name=name)
        for field_name, number, kind, label, type_name in fields:
            entry = message.field.add(name=field_name, number=number, type=kind, label=label)
            if type_name:
                entry.type_name = type_name

    optional, repeated = field.LABEL_OPTIONAL, field.LABEL_REPEATED
    string, uint32, nested = field.TYPE_STRING, field.TYPE_UINT32, field.TYPE_MESSAGE
    add_message(
        "SpriteMetadata",
        [
            ("image_path", 1, string, optional, ""),
            ("single_image_dim", 2, uint32, repeated, ""),
        ],
    )
    add_message(
        "EmbeddingInfo",
        [
            ("tensor_name", 1, string, optional, ""),
            ("metadata_path", 2, string, optional, ""),
            ("bookmarks_path", 3, string, optional, ""),
            ("tensor_shape", 4, uint32, repeated, ""),
            ("sprite", 5, nested, optional, ".tensorboard.projector.SpriteMetadata"),
            ("tensor_path", 6, string, optional, ""),
        ],
    )
    add_message(
        "ProjectorConfig",
        [
            ("model_checkpoint_path", 1, string, optional, ""),
            ("embeddings", 2, nested, repeated, ".tensorboard.projector.EmbeddingInfo"),
            ("model_checkpoint_dir", 3, string, optional, ""),
        ],
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(
        pool.FindMessageTypeByName("tensorboard.projector.ProjectorConfig")
    )


_ProjectorConfigMessage = _build_message_class()


def parse_projector_config(text: str, source: str = "projector_config.pbtxt") -> ProjectorConfig:
    """Parse the text of a projector_config.pbtxt; ``source`` names it in error messages."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    message = _ProjectorConfigMessage()
    try:
        text_format.Parse(text, message, allow_unknown_field=True)
    except text_format.ParseError as exc:
        raise ProjectorDataError(f"cannot parse {source}: {exc}") from exc
    embeddings = []
    for entry in message.embeddings:
        sprite = None
        if entry.HasField("sprite"):
            sprite = SpriteInfo(
                image_path=entry.sprite.image_path,
                single_image_dim=tuple(entry.sprite.single_image_dim),
            )
        embeddings.append(
            EmbeddingInfo(
                tensor_name=entry.tensor_name,
                tensor_path=entry.tensor_path,
                metadata_path=entry.metadata_path,
                bookmarks_path=entry.bookmarks_path,
                tensor_shape=tuple(entry.tensor_shape),
                sprite=sprite,
            )
        )
    return ProjectorConfig(
        embeddings=tuple(embeddings),
        model_checkpoint_path=message.model_checkpoint_path,
        model_checkpoint_dir=message.model_checkpoint_dir,
    )
