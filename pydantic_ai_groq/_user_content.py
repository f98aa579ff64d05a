"""What a user prompt may hold besides text: images, and the file kinds a pydantic-ai history carries.

Re-exported by `messages`, which is where users import them from.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import pydantic

from ._unknown_fields import ExtraFields, keeps_unknown_fields, no_extra_fields

__all__ = (
    'AudioUrl',
    'BinaryContent',
    'DocumentUrl',
    'FileUrl',
    'ImageDetail',
    'ImageUrl',
    'UserContent',
    'VideoUrl',
)

ImageDetail: TypeAlias = Literal['auto', 'low', 'high']
"""Resolution hint for images."""

_IMAGE_DETAILS: tuple[str, ...] = ('auto', 'low', 'high')


def _lift_detail(detail: ImageDetail | None, vendor_metadata: dict[str, Any] | None) -> tuple[Any, Any]:
    """`detail` and the rest of `vendor_metadata`, where pydantic-ai keeps the image detail.

    An empty `vendor_metadata` becomes `None`, so that a dump (which writes `detail` into it)
    loads back equal.
    """
    if not vendor_metadata:
        return detail, None
    metadata = dict(vendor_metadata)
    # A `detail` given outright wins; one we cannot send (not auto/low/high) stays metadata.
    if 'detail' in metadata and (detail is not None or metadata['detail'] in _IMAGE_DETAILS):
        wire_detail = metadata.pop('detail')
        detail = detail or wire_detail
    return detail, metadata or None


def _detail_into_vendor_metadata(item: ImageUrl | BinaryContent, data: dict[str, Any]) -> None:
    """Write `detail` where pydantic-ai reads it: `vendor_metadata['detail']`."""
    data.pop('detail', None)
    if item.detail is not None:
        data['vendor_metadata'] = {**(item.vendor_metadata or {}), 'detail': item.detail}


@dataclass(slots=True)
class FileUrl:
    """A file given by URL: the base of `ImageUrl`, `DocumentUrl`, `AudioUrl` and `VideoUrl`.

    Attributes:
        url: Where the file is.
        extra_fields: Fields of a loaded history we do not use (media type, identifier, ...),
            kept as they came.
    """

    url: str
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)


@keeps_unknown_fields(_detail_into_vendor_metadata)
@dataclass(slots=True)
class ImageUrl(FileUrl):
    """An image given by URL (`https://...` or a `data:` URI), for vision models.

    Attributes:
        url: Where the image is.
        detail: Resolution hint Groq passes to the model (`auto`, `low`, `high`); in history
            JSON it is `vendor_metadata['detail']`, as pydantic-ai writes it.
        vendor_metadata: Other vendor metadata, kept as it came.
    """

    detail: ImageDetail | None = None
    kind: Literal['image-url'] = 'image-url'
    vendor_metadata: dict[str, Any] | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        self.detail, self.vendor_metadata = _lift_detail(self.detail, self.vendor_metadata)


@keeps_unknown_fields()
@dataclass(slots=True)
class DocumentUrl(FileUrl):
    """A document given by URL. It loads with a history; Groq's chat API does not take it."""

    kind: Literal['document-url'] = 'document-url'


@keeps_unknown_fields()
@dataclass(slots=True)
class AudioUrl(FileUrl):
    """Audio given by URL. It loads with a history; Groq's chat API does not take it."""

    kind: Literal['audio-url'] = 'audio-url'


@keeps_unknown_fields()
@dataclass(slots=True)
class VideoUrl(FileUrl):
    """A video given by URL. It loads with a history; Groq's chat API does not take it."""

    kind: Literal['video-url'] = 'video-url'


@keeps_unknown_fields(_detail_into_vendor_metadata)
@dataclass(slots=True)
class BinaryContent:
    """Raw bytes with their media type; images are sent to the model as `data:` URIs.

    Attributes:
        data: The bytes (base64 in history JSON).
        media_type: The MIME type, e.g. `image/png`.
        detail: Resolution hint for images (`auto`, `low`, `high`); in history JSON it is
            `vendor_metadata['detail']`, as pydantic-ai writes it.
        vendor_metadata: Other vendor metadata, kept as it came.
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    data: bytes
    media_type: str
    detail: ImageDetail | None = None
    kind: Literal['binary'] = 'binary'
    vendor_metadata: dict[str, Any] | None = field(default=None, kw_only=True)
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)

    # JSON cannot hold arbitrary bytes; base64 keeps any image intact through a round trip.
    __pydantic_config__ = pydantic.ConfigDict(ser_json_bytes='base64', val_json_bytes='base64')

    @property
    def is_image(self) -> bool:
        """Whether the media type is an image type."""
        return self.media_type.startswith('image/')

    @property
    def data_uri(self) -> str:
        """The content as a `data:<media type>;base64,...` URI."""
        return f'data:{self.media_type};base64,{base64.b64encode(self.data).decode()}'

    def __post_init__(self) -> None:
        self.detail, self.vendor_metadata = _lift_detail(self.detail, self.vendor_metadata)


UserContent: TypeAlias = str | ImageUrl | BinaryContent | DocumentUrl | AudioUrl | VideoUrl
"""One item of a multi-part user prompt (Groq's chat API takes text and images)."""
