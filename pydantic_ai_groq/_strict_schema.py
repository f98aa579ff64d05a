"""Rewrite a JSON schema into the subset that Groq's strict mode accepts.

With `strict: true`, Groq constrains decoding to the schema (structured outputs through
`response_format: {"type": "json_schema", ...}`, and strict tool parameters), so only a subset of JSON Schema
is accepted: every object closed with `additionalProperties: false`, every property listed in `required`,
optional values spelled as "may be null", and a short list of keywords.

Sources:

- Groq, "Structured Outputs - GroqDocs": sections "Strict Mode (strict: true)", "Schema Requirements"
  ("Supported Data Types", "Schema Constraints by Mode") and "Migration Guide: Upgrading to Strict Mode".
  It lists the supported data types (string, number, boolean, integer, object, array, enum, `anyOf`), requires
  `required` to name every property and `additionalProperties: false` on every object, shows optional fields
  as `"type": ["string", "null"]` and as `anyOf: [..., {"type": "null"}]`, and shows `$defs`/`$ref`,
  root recursion (`"$ref": "#"`) and `description` on properties. It names no validation keyword
  (`minimum`, `pattern`, `format`, ...) as supported.
- OpenAI, "Structured Outputs" guide, sections "Supported schemas" and "Some type-specific keywords are not yet
  supported": the same rules for the same model family (Groq's strict mode runs on GPT-OSS), with `allOf`,
  `not`, `dependentRequired`, `dependentSchemas`, `if`/`then`/`else` unsupported, and the root required to
  be an object, not `anyOf`. OpenAI now accepts `pattern`, `format`, `minimum`/`maximum`, `multipleOf` and
  `minItems`/`maxItems` except on fine-tuned models; Groq lists none of them, so they are removed here.
- OpenAI developer forum, "Allow annotation-only keywords like description, title and examples for $ref keywords
  when using JSON structured output": strict mode rejects siblings of `$ref` ("$ref cannot have keywords
  {'description'}") and accepts the same keywords next to `anyOf: [{"$ref": ...}]`.

What `to_strict_schema` does with each keyword; where Groq's page is silent, it picks what strict mode cannot
reject. It does not force the root to be an object: callers wrap non-object outputs themselves.

| keyword | handling |
| --- | --- |
| `type`, `enum`, `anyOf`, `items`, `description`, `$defs`, `$ref` | kept (documented by Groq; `type` may be a \
list such as `["string", "null"]`, as Groq shows) |
| `properties`, `required`, `additionalProperties` | kept; `required` lists every property in order, \
`additionalProperties` is `false` |
| `title`, `definitions` | kept as they are (`title` is harmless; `definitions` is walked like `$defs`) |
| `const` | becomes `enum: [value]` (Groq documents enum, not const) |
| `oneOf` | becomes `anyOf` (Groq documents only `anyOf`) |
| `allOf` with one member | merged into the schema holding it, which wins on conflicting keys |
| `$ref` with sibling keywords | becomes `{"anyOf": [{"$ref": ...}], <siblings>}` |
| `$ref` at the root into the schema's own `$defs` | the definition is inlined at the root |
| optional property (not in `required`) | made nullable: `{"type": "null"}` appended to its `anyOf`, or \
`{"anyOf": [<schema>, {"type": "null"}]}`, the form pydantic itself emits for `Optional[X]`. Groq shows this \
form and `"type": [X, "null"]`; only `anyOf` also fits a `$ref`, a union or an `enum` (whose list would have to \
gain `null` too). `title` and `description` stay on the outside; a property already accepting null is left alone |
| `format`, `pattern`, `minLength`, `maxLength`, `minimum`, `exclusiveMinimum`, `maximum`, `exclusiveMaximum`, \
`multipleOf`, `minItems`, `maxItems`, `uniqueItems`, `minContains`, `maxContains`, `minProperties`, \
`maxProperties`, `dependentRequired`, `contentEncoding`, `contentMediaType`, `readOnly`, `writeOnly`, \
`deprecated`, `examples`, `default`, and any keyword not named in this table | removed and written into the \
description, in this order, e.g. `"The age. (minimum: 0, maximum: 150)"` |
| `$schema`, `$comment`, `discriminator` | dropped (`discriminator` is OpenAPI, and each variant's `const` tag \
already names it) |
| `prefixItems` (tuples), `not`, `if`, `then`, `else`, `contains`, `patternProperties`, `propertyNames`, \
`dependentSchemas`, `dependencies`, `unevaluatedItems`, `unevaluatedProperties`, `additionalItems`, \
`$dynamicRef`, `$recursiveRef` | refused with `StrictSchemaError`: they hold schemas that the subset cannot \
express and that read badly as prose |
| object without `properties` (`dict[str, int]`), a schema accepting any value (`{}`, `Any`, `true`), an array \
without an `items` schema, `allOf` with several members, `oneOf` next to `anyOf` | refused with \
`StrictSchemaError` |

Dropping a constraint here loosens only what the model is forced to emit: the caller still validates the
output (or tool arguments) with pydantic against the original type, so `ge=0` or `pattern=...` are still
enforced and a violation goes back to the model as a retry. What the rewrite does change is that optional
fields now arrive as `null` rather than absent, and pydantic rejects `None` for `b: int = 3`;
`strip_nulls_for_optional` removes those nulls, guided by the original schema, so defaults apply again.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

import pydantic
import pydantic_core

__all__ = (
    'StrictSchemaError',
    'strict_schema_or_none',
    'strip_nulls_for_optional',
    'to_strict_schema',
    'validate_json_without_optional_nulls',
)

_T = TypeVar('_T')

_KEPT = frozenset(
    {
        'type',
        'enum',
        'anyOf',
        'items',
        'properties',
        'required',
        'additionalProperties',
        'description',
        'title',
        '$defs',
        'definitions',
        '$ref',
    }
)
# Described in this order whatever the input's key order, so equal schemas get equal descriptions.
_DESCRIBED = (
    'format',
    'pattern',
    'minLength',
    'maxLength',
    'minimum',
    'exclusiveMinimum',
    'maximum',
    'exclusiveMaximum',
    'multipleOf',
    'minItems',
    'maxItems',
    'uniqueItems',
    'minContains',
    'maxContains',
    'minProperties',
    'maxProperties',
    'dependentRequired',
    'contentEncoding',
    'contentMediaType',
    'readOnly',
    'writeOnly',
    'deprecated',
    'examples',
    'default',
)
_DESCRIBED_RANK = {key: rank for rank, key in enumerate(_DESCRIBED)}
_DROPPED = ('$schema', '$comment', 'discriminator')
_REFUSED = (
    'prefixItems',
    'not',
    'if',
    'then',
    'else',
    'contains',
    'patternProperties',
    'propertyNames',
    'dependentSchemas',
    'dependencies',
    'unevaluatedItems',
    'unevaluatedProperties',
    'additionalItems',
    '$dynamicRef',
    '$recursiveRef',
)
# Without one of these a schema places no constraint on the value's shape, which strict decoding cannot honour.
_SHAPING = frozenset({'type', 'enum', 'anyOf', '$ref', 'properties'})
_ANNOTATIONS = ('title', 'description')


class StrictSchemaError(ValueError):
    """A JSON schema that strict mode cannot express, even after rewriting.

    Attributes:
        path: Dotted location of the offending sub-schema, e.g. `properties.tags`; empty for the root.
        reason: Why that sub-schema cannot be strict.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f'{path or "<root>"}: {reason}')
        self.path = path
        self.reason = reason


def to_strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of `schema` that strict mode accepts (input not modified).

    See the module docstring for what happens to each keyword. The result is idempotent:
    `to_strict_schema(to_strict_schema(s)) == to_strict_schema(s)`.

    Args:
        schema: A JSON schema, typically from pydantic's `TypeAdapter(...).json_schema()`.

    Returns:
        A new schema whose objects are closed, whose properties are all required (optional ones nullable),
        and which uses only keywords Groq documents for strict mode.

    Raises:
        StrictSchemaError: Some part of `schema` cannot be expressed in strict mode (a free-form mapping,
            `Any`, a tuple, ...); send the schema non-strict instead.
    """
    return _strict(_inline_root_ref(copy.deepcopy(schema)), ())


def strict_schema_or_none(schema: dict[str, Any]) -> dict[str, Any] | None:
    """`to_strict_schema(schema)`, or `None` where strict mode is impossible.

    Args:
        schema: A JSON schema.

    Returns:
        The strict rewrite, or `None` if `to_strict_schema` would raise `StrictSchemaError`.
    """
    try:
        return to_strict_schema(schema)
    except StrictSchemaError:
        return None


def strip_nulls_for_optional(data: Any, original_schema: dict[str, Any]) -> Any:
    """Drop the nulls that strict mode forced into optional fields, so their defaults apply again.

    A key is removed when its value is `None`, the original schema does not list it in `required`, and the
    original property schema does not accept null. Objects, arrays, `$ref`/`$defs` and unions are followed.
    Within a union, the object schemas that declare every key of the data are the candidates, and a null is
    dropped only if all of them agree, so a branch that does accept null keeps it.

    Args:
        data: Parsed JSON produced under `to_strict_schema(original_schema)`.
        original_schema: The schema as it was before `to_strict_schema`.

    Returns:
        A copy of `data` without those nulls; `data` itself is not modified.
    """
    return _strip(data, _candidates(original_schema, original_schema, frozenset()), original_schema)


def _strict(node: Any, path: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise _error(path, f'{node!r} is not a schema object (boolean schemas cannot be strict)')
    # A shallow copy per node: the input may reuse one sub-dict in several places.
    schema = dict(cast(dict[str, Any], node))
    while 'allOf' in schema:
        members = _as_list(schema.pop('allOf'))
        if len(members) != 1 or not isinstance(members[0], dict):
            raise _error(path, '`allOf` cannot be strict unless it holds exactly one schema')
        # Merged raw, not rewritten first: the member may only make sense with the keywords around it.
        schema = {**cast(dict[str, Any], members[0]), **schema}
    if 'oneOf' in schema:
        if 'anyOf' in schema:
            raise _error(path, '`oneOf` next to `anyOf` cannot be strict')
        schema['anyOf'] = schema.pop('oneOf')
    if 'const' in schema:
        schema['enum'] = [schema.pop('const')]
    for key in _DROPPED:
        schema.pop(key, None)
    for key in _REFUSED:
        if key in schema:
            raise _error(path, f'`{key}` cannot be expressed in strict mode')
    described = sorted(
        (key for key in schema if key not in _KEPT), key=lambda key: _DESCRIBED_RANK.get(key, len(_DESCRIBED))
    )
    notes = ', '.join(f'{key}: {json.dumps(schema.pop(key), ensure_ascii=False, default=str)}' for key in described)

    if 'anyOf' in schema:
        members = schema['anyOf']
        if not isinstance(members, list):
            raise _error(path, '`anyOf` must be a list')
        schema['anyOf'] = [
            _strict(member, (*path, 'anyOf', str(i))) for i, member in enumerate(cast(list[Any], members))
        ]
    if 'items' in schema:
        schema['items'] = _strict(schema['items'], (*path, 'items'))
    for key in ('$defs', 'definitions'):
        if key in schema:
            defs = _schema_map(schema[key], (*path, key))
            schema[key] = {name: _strict(sub, (*path, key, name)) for name, sub in defs.items()}
    types = _types(schema)
    if 'properties' in schema or 'object' in types:
        _close_object(schema, path)
    if 'array' in types and 'items' not in schema:
        raise _error(path, 'an array without an `items` schema cannot be strict')
    if not _SHAPING & schema.keys():
        raise _error(path, 'a schema without `type`, `enum`, `anyOf` or `$ref` accepts any value')

    if notes:
        description = schema.get('description')
        schema['description'] = f'{description} ({notes})' if description else notes
    if '$ref' in schema and len(schema) > 1:
        ref = schema.pop('$ref')
        schema = {'anyOf': [{'$ref': ref}], **schema}
    return schema


def _close_object(schema: dict[str, Any], path: tuple[str, ...]) -> None:
    if 'properties' not in schema and schema.get('additionalProperties') is not False:
        raise _error(
            path, 'an object without `properties` (a free-form mapping such as `dict[str, int]`) cannot be strict'
        )
    properties = _schema_map(schema.get('properties', {}), (*path, 'properties'))
    required = cast(list[Any], schema.get('required') or [])
    strict_properties: dict[str, Any] = {}
    for name, sub in properties.items():
        strict_sub = _strict(sub, (*path, 'properties', name))
        strict_properties[name] = strict_sub if name in required else _nullable(strict_sub)
    schema['properties'] = strict_properties
    schema['required'] = list(strict_properties)
    schema['additionalProperties'] = False
    schema.setdefault('type', 'object')


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if _accepts_null(schema):
        return schema
    annotations = {key: schema.pop(key) for key in _ANNOTATIONS if key in schema}
    if schema.keys() == {'anyOf'}:
        # Extend the union in place of nesting it: `anyOf: [X, Y, null]` rather than `anyOf: [{anyOf: [X, Y]}, null]`.
        return {'anyOf': [*schema['anyOf'], {'type': 'null'}], **annotations}
    return {'anyOf': [schema, {'type': 'null'}], **annotations}


def _accepts_null(schema: dict[str, Any]) -> bool:
    """Whether a strict-rewritten schema accepts null, judged without following `$ref`.

    An unresolved `$ref` counts as not nullable: wrapping a nullable definition once more is redundant but valid.
    """
    if '$ref' in schema or 'null' not in _types(schema, absent='null'):
        return False
    if 'enum' in schema and None not in schema['enum']:
        return False
    return 'anyOf' not in schema or any(_accepts_null(member) for member in schema['anyOf'])


def _inline_root_ref(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace a root `$ref` (pydantic's form for recursive models) with the definition it names.

    Strict mode wants an object at the root, not `anyOf: [{"$ref": ...}]`; the definition stays in `$defs` for
    the references inside it.
    """
    ref = schema.get('$ref')
    target = _resolve(ref, schema) if isinstance(ref, str) else None
    if target is None or target is schema:
        return schema
    return {**target, **{key: value for key, value in schema.items() if key != '$ref'}}


def _types(schema: dict[str, Any], absent: str | None = None) -> set[str]:
    type_ = schema.get('type', absent)
    if isinstance(type_, list):
        return set(cast(list[str], type_))
    return {type_} if isinstance(type_, str) else set()


def _schema_map(value: Any, path: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _error(path, 'must map names to schemas')
    return cast(dict[str, Any], value)


def _error(path: tuple[str, ...], reason: str) -> StrictSchemaError:
    return StrictSchemaError('.'.join(path), reason)


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any] | None:
    """The sub-schema a local `$ref` (`#` or `#/...` JSON pointer) names in `root`, or `None`."""
    if ref == '#':
        return root
    if not ref.startswith('#/'):
        return None
    node: Any = root
    for part in ref[2:].split('/'):
        part = part.replace('~1', '/').replace('~0', '~')
        if not isinstance(node, dict) or part not in node:
            return None
        node = cast(dict[str, Any], node)[part]
    return cast(dict[str, Any], node) if isinstance(node, dict) else None


def _as_list(value: Any) -> list[Any]:
    return cast(list[Any], value) if isinstance(value, list) else []


def _candidates(schema: Any, root: dict[str, Any], seen: frozenset[str]) -> list[dict[str, Any]]:
    """`schema` and every schema reachable from it through `$ref` and unions: what might describe one value.

    `seen` holds the references already followed on this chain, so a definition that refers to itself ends.
    """
    if not isinstance(schema, dict):
        return []
    node = cast(dict[str, Any], schema)
    found = [node]
    ref = node.get('$ref')
    if isinstance(ref, str) and ref not in seen:
        found += _candidates(_resolve(ref, root), root, seen | {ref})
    for key in ('anyOf', 'oneOf', 'allOf'):
        for member in _as_list(node.get(key)):
            found += _candidates(member, root, seen)
    return found


def _strip(value: Any, schemas: list[dict[str, Any]], root: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        data = cast(dict[str, Any], value)
        objects = [schema for schema in schemas if _declares_all(schema, data)]
        result: dict[str, Any] = {}
        for key, item in data.items():
            if item is None and objects and all(_droppable(schema, key, root) for schema in objects):
                continue
            subs = [sub for schema in objects for sub in _candidates(schema['properties'][key], root, frozenset())]
            result[key] = _strip(item, subs, root)
        return result
    if isinstance(value, list):
        subs = [sub for schema in schemas for sub in _candidates(schema.get('items'), root, frozenset())]
        return [_strip(item, subs, root) for item in cast(list[Any], value)]
    return value


def _declares_all(schema: dict[str, Any], data: dict[str, Any]) -> bool:
    properties = schema.get('properties')
    return isinstance(properties, dict) and all(key in properties for key in data)


def _droppable(schema: dict[str, Any], key: str, root: dict[str, Any]) -> bool:
    return key not in _as_list(schema.get('required')) and not _allows_null(
        schema['properties'][key], root, frozenset()
    )


def _allows_null(schema: Any, root: dict[str, Any], seen: frozenset[str]) -> bool:
    """Whether the original `schema` accepts null, following `$ref`; unknowable cases count as accepting it.

    Erring towards "accepts" keeps a null, which at worst fails validation visibly, rather than dropping a value.
    """
    if not isinstance(schema, dict):
        return schema is not False
    node = cast(dict[str, Any], schema)
    ref = node.get('$ref')
    if isinstance(ref, str) and ref not in seen:
        target = _resolve(ref, root)
        if target is not None and not _allows_null(target, root, seen | {ref}):
            return False
    if 'null' not in _types(node, absent='null'):
        return False
    if 'enum' in node and None not in _as_list(node['enum']):
        return False
    if 'const' in node and node['const'] is not None:
        return False
    for key in ('anyOf', 'oneOf'):
        if key in node and not any(_allows_null(member, root, seen) for member in _as_list(node[key])):
            return False
    return all(_allows_null(member, root, seen) for member in _as_list(node.get('allOf')))


def validate_json_without_optional_nulls(
    validate: Callable[[str | bytes], _T], text: str | bytes, original_schema: dict[str, Any]
) -> _T:
    """Validate JSON; if that fails on nulls that strict mode made the model send, try again without them.

    A strict schema makes optional fields nullable, so a model may send `null` where the type
    only knows "absent, so the default". Only when the first validation fails, and dropping
    such nulls changes the data, is the data validated again without them; otherwise the
    first error stands.

    Raises:
        pydantic.ValidationError: The first validation's error, when dropping nulls does not apply.
    """
    try:
        return validate(text)
    except pydantic.ValidationError:
        stripped = _without_optional_nulls(text, original_schema)
        if stripped is None:
            raise
    return validate(stripped)


def _without_optional_nulls(text: str | bytes, original_schema: dict[str, Any]) -> bytes | None:
    try:
        data = pydantic_core.from_json(text)
    except ValueError:
        return None
    stripped = strip_nulls_for_optional(data, original_schema)
    return None if stripped == data else pydantic_core.to_json(stripped)
