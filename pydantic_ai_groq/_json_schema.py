"""JSON-schema walks shared by tool and output schemas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ('close_objects', 'remove_titles', 'walk_schemas')

# Keywords whose value is a schema, a list of schemas, or a name -> schema mapping.
_SCHEMA_KEYS = ('items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else')
_SCHEMA_LIST_KEYS = ('anyOf', 'oneOf', 'allOf', 'prefixItems')
_SCHEMA_MAP_KEYS = ('properties', '$defs', 'definitions', 'patternProperties')


def walk_schemas(schema: dict[str, Any], visit: Callable[[dict[str, Any]], None]) -> None:
    """Call `visit` on `schema` and every sub-schema in it (not on property names or other data)."""
    visit(schema)
    for key in _SCHEMA_KEYS:
        sub = schema.get(key)
        if isinstance(sub, dict):
            walk_schemas(sub, visit)  # pyright: ignore[reportUnknownArgumentType]
    for key in _SCHEMA_LIST_KEYS:
        subs = schema.get(key)
        if isinstance(subs, list):
            for sub in subs:  # pyright: ignore[reportUnknownVariableType]
                if isinstance(sub, dict):
                    walk_schemas(sub, visit)  # pyright: ignore[reportUnknownArgumentType]
    for key in _SCHEMA_MAP_KEYS:
        subs = schema.get(key)
        if isinstance(subs, dict):
            for sub in subs.values():  # pyright: ignore[reportUnknownVariableType]
                if isinstance(sub, dict):
                    walk_schemas(sub, visit)  # pyright: ignore[reportUnknownArgumentType]


def remove_titles(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop the `title` keyword everywhere, in place; a property *named* `title` stays."""

    def visit(node: dict[str, Any]) -> None:
        title = node.get('title')
        if isinstance(title, str):
            del node['title']

    walk_schemas(schema, visit)
    return schema


def close_objects(schema: dict[str, Any]) -> dict[str, Any]:
    """Set `additionalProperties: false` on every object schema that does not say otherwise, in place."""

    def visit(node: dict[str, Any]) -> None:
        if node.get('type') == 'object' and 'properties' in node:
            node.setdefault('additionalProperties', False)

    walk_schemas(schema, visit)
    return schema
