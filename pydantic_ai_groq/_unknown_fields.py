"""Keeping the fields of stored history that our message classes do not declare.

A history written by pydantic-ai (or by a newer version of this package) carries fields we
do not use: run ids, provider metadata, retry bookkeeping, ... A message class that uses
`unknown_fields_schema` keeps them in its `extra_fields` and writes them back unchanged,
so loading and dumping a history loses nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated, Any, Protocol, TypeAlias, TypeVar, cast

import pydantic
import pydantic_core
from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

__all__ = ('ExtraFields', 'HasExtraFields', 'keeps_unknown_fields', 'no_extra_fields', 'unknown_fields_schema')

_Class = TypeVar('_Class', bound=type)

ExtraFields: TypeAlias = Annotated[dict[str, Any], pydantic.Field(exclude=True)]
"""Fields of a loaded history that the class does not declare, written back as they came.

Kept out of `repr`: they are other writers' bookkeeping, not what a part says."""


def no_extra_fields() -> dict[str, Any]:
    """The `extra_fields` of a part built in Python (a plain function: cheaper than `dict[str, Any]()`)."""
    return {}


class HasExtraFields(Protocol):
    """A message class that keeps undeclared fields in `extra_fields`."""

    extra_fields: dict[str, Any]


def unknown_fields_schema(
    cls: type[HasExtraFields],
    handler: GetCoreSchemaHandler,
    adjust_dump: Callable[[Any, dict[str, Any]], None] | None = None,
) -> core_schema.CoreSchema:
    """The dataclass's own schema, wrapped to move undeclared keys into `extra_fields` and back.

    Args:
        cls: The dataclass; it declares `extra_fields: dict[str, Any]` (excluded from its own dump).
        handler: Pydantic's handler, giving the dataclass's plain schema.
        adjust_dump: Called with the instance and its dumped dict, to change the dict in place.
    """
    known = frozenset(f.name for f in dataclasses.fields(cast(Any, cls)))
    schema = handler(cls)

    def validate(value: Any, inner: core_schema.ValidatorFunctionWrapHandler) -> Any:
        if isinstance(value, dict) and not known.issuperset(cast(dict[str, Any], value)):
            declared: dict[str, Any] = {}
            extra: dict[str, Any] = {}
            for key, item in cast(dict[str, Any], value).items():
                (declared if key in known else extra)[key] = item
            result = inner(declared)
            result.extra_fields = extra
            return result
        return inner(value)

    def serialize(value: Any, inner: core_schema.SerializerFunctionWrapHandler, info: Any) -> Any:
        dumped = cast(dict[str, Any], inner(value))  # a dataclass dumps as a dict in both modes
        if adjust_dump is not None:
            adjust_dump(value, dumped)
        if extra := cast(dict[str, Any], getattr(value, 'extra_fields', None) or {}):
            # Values loaded from JSON are JSON already; ones set in Python may not be.
            dumped.update(pydantic_core.to_jsonable_python(extra) if info.mode_is_json() else extra)
        return dumped

    return core_schema.no_info_wrap_validator_function(
        validate,
        schema,
        serialization=core_schema.wrap_serializer_function_ser_schema(serialize, schema=schema, info_arg=True),
    )


def keeps_unknown_fields(
    adjust_dump: Callable[[Any, dict[str, Any]], None] | None = None,
) -> Callable[[_Class], _Class]:
    """Class decorator: the dataclass keeps undeclared fields of loaded history (see `unknown_fields_schema`)."""

    def decorate(cls: _Class) -> _Class:
        def get_schema(source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
            return unknown_fields_schema(cls, handler, adjust_dump)

        setattr(cls, '__get_pydantic_core_schema__', get_schema)  # noqa: B010 (a hook pydantic looks up)
        return cls

    return decorate
