"""Generate a deterministic value that is valid for a JSON schema.

The emulator uses this to invent tool-call arguments and structured output, so it covers the
schemas pydantic and tool authors produce, not the whole of JSON Schema: `pattern`,
`uniqueItems`, `multipleOf`, `not` and conditional keywords are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from ._json import as_array, as_object

__all__ = ('schema_value',)

# Beyond this nesting optional parts are left out, so recursive schemas still produce finite values.
_SOFT_DEPTH = 6
# Beyond this the schema can only be satisfied by an infinite value (or is a `$ref` loop).
_HARD_DEPTH = 48

_FORMAT_EXAMPLES = {
    'date': '2024-01-01',
    'date-time': '2024-01-01T00:00:00Z',
    'time': '00:00:00',
    'email': 'user@example.com',
    'uri': 'https://example.com/',
    'uuid': '00000000-0000-4000-8000-000000000000',
}


def schema_value(schema: Mapping[str, Any] | bool) -> Any:
    """Return a value valid for `schema`, the same one every time.

    Properties are all included, arrays hold one item, strings are `'a'` padded to `minLength`,
    numbers are `0` moved inside their bounds; `const`, `enum` and `default` are used when present.

    Args:
        schema: A JSON schema; `$ref`s are resolved against its own `$defs` or `definitions`.

    Returns:
        A JSON-compatible value.

    Raises:
        ValueError: If the schema is `false`, uses a non-local or dangling `$ref`, has an unknown
            `type`, or only admits infinitely nested values.
    """
    return _Generator(schema).value(schema, 0)


class _Generator:
    def __init__(self, root: object) -> None:
        self._root = as_object(root)

    def value(self, schema: object, depth: int) -> Any:
        if depth > _HARD_DEPTH:
            raise ValueError('schema only admits infinitely nested values')
        node = self._resolve(schema)
        if 'const' in node:
            return node['const']
        if 'enum' in node:
            return as_array(node['enum'])[0]
        if 'default' in node:
            return node['default']
        for keyword in ('anyOf', 'oneOf'):
            if keyword in node:
                rest = {key: value for key, value in node.items() if key != keyword}
                choice = self._choose(as_array(node[keyword]), depth)
                return self.value(_merge(rest, choice), depth + 1)
        kind = _kind(node, shallow=depth < _SOFT_DEPTH)
        if kind == 'object':
            return self._object(node, depth)
        if kind == 'array':
            return self._array(node, depth)
        if kind == 'string':
            return _string(node)
        if kind in ('integer', 'number'):
            return _number(node, integral=kind == 'integer')
        if kind == 'boolean':
            return True
        if kind == 'null':
            return None
        raise ValueError(f'unsupported schema type {kind!r}')

    def _resolve(self, schema: object) -> dict[str, Any]:
        """Follow `$ref`s and merge `allOf` so the result describes the value directly."""
        if schema is False:
            raise ValueError('the `false` schema admits no value')
        node = dict(as_object(schema))
        for _ in range(_HARD_DEPTH):
            if '$ref' not in node:
                break
            target = self._lookup(node.pop('$ref'))
            # Keywords beside a `$ref` (description, default, ...) refine the target.
            node = {**target, **node}
        else:
            raise ValueError('`$ref` cycle in schema')
        if 'allOf' in node:
            merged = {key: value for key, value in node.items() if key != 'allOf'}
            for part in as_array(node['allOf']):
                merged = _merge(merged, self._resolve(part))
            node = merged
        return node

    def _lookup(self, ref: object) -> dict[str, Any]:
        if not isinstance(ref, str) or not ref.startswith('#'):
            raise ValueError(f'only local `$ref`s are supported, got {ref!r}')
        target: object = self._root
        for token in ref[1:].split('/')[1:]:
            key = token.replace('~1', '/').replace('~0', '~')
            found = as_object(target)
            if key not in found:
                raise ValueError(f'dangling `$ref` {ref!r}')
            target = found[key]
        return as_object(target)

    def _choose(self, options: list[Any], depth: int) -> dict[str, Any]:
        """Pick the first option that is not `null`, unless nesting is deep enough to prefer ending."""
        resolved = [self._resolve(option) for option in options]
        nulls = [option for option in resolved if option.get('type') == 'null']
        if nulls and depth >= _SOFT_DEPTH:
            return nulls[0]
        return next((option for option in resolved if option.get('type') != 'null'), resolved[0])

    def _object(self, node: dict[str, Any], depth: int) -> dict[str, Any]:
        properties = as_object(node.get('properties'))
        required = [name for name in as_array(node.get('required')) if isinstance(name, str)]
        extra = node.get('additionalProperties')
        extra_schema = as_object(extra)
        shallow = depth < _SOFT_DEPTH
        names = [name for name in properties if shallow or name in required]
        names += [name for name in required if name not in properties]
        result = {name: self.value(properties.get(name, extra_schema), depth + 1) for name in names}
        if not result and isinstance(extra, dict) and shallow:
            # A bare mapping type: one entry shows the value type without inventing many keys.
            result['key'] = self.value(extra_schema, depth + 1)
        return result

    def _array(self, node: dict[str, Any], depth: int) -> list[Any]:
        prefix = as_array(node.get('prefixItems'))
        items = node.get('items', {})
        count = max(_count(node, 'minItems') or 0, (len(prefix) or 1) if depth < _SOFT_DEPTH else 0)
        limit = _count(node, 'maxItems')
        if limit is not None:
            count = min(count, limit)
        if items is False:
            count = min(count, len(prefix))
        return [self.value(prefix[index] if index < len(prefix) else items, depth + 1) for index in range(count)]


def _kind(node: dict[str, Any], *, shallow: bool) -> str:
    """Return the JSON type to generate, inferring it from the keywords when `type` is missing."""
    declared = node.get('type')
    if isinstance(declared, str):
        return declared
    kinds = [kind for kind in as_array(declared) if isinstance(kind, str)]
    if kinds:
        if 'null' in kinds and not shallow:
            return 'null'
        return next((kind for kind in kinds if kind != 'null'), 'null')
    if any(keyword in node for keyword in ('properties', 'additionalProperties', 'required')):
        return 'object'
    if 'items' in node or 'prefixItems' in node:
        return 'array'
    if any(keyword in node for keyword in ('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum')):
        return 'number'
    return 'string'


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Combine two object schemas, uniting their properties and required names."""
    merged = {**base, **extra}
    properties = {**as_object(base.get('properties')), **as_object(extra.get('properties'))}
    if properties:
        merged['properties'] = properties
    required = [*as_array(base.get('required')), *as_array(extra.get('required'))]
    if required:
        merged['required'] = list(dict.fromkeys(required))
    return merged


def _string(node: dict[str, Any]) -> str:
    fmt = node.get('format')
    text = _FORMAT_EXAMPLES.get(fmt, 'a') if isinstance(fmt, str) else 'a'
    shortest = _count(node, 'minLength') or 0
    longest = _count(node, 'maxLength')
    text = text.ljust(shortest, 'a')
    return text if longest is None else text[:longest]


def _number(node: dict[str, Any], *, integral: bool) -> int | float:
    low, low_open = _bound(node.get('minimum'), node.get('exclusiveMinimum'), max)
    high, high_open = _bound(node.get('maximum'), node.get('exclusiveMaximum'), min)
    if integral:
        # On integers an open bound is the same as a closed one on the next integer inside it.
        value = 0
        if low is not None:
            value = max(value, math.floor(low) + 1 if low_open else math.ceil(low))
        if high is not None:
            value = min(value, math.ceil(high) - 1 if high_open else math.floor(high))
        return value
    number = 0.0
    if low is not None and (number < low or (low_open and number == low)):
        number = low + 1 if low_open else low
    if high is not None and (number > high or (high_open and number == high)):
        number = high - 1 if high_open else high
        if low is not None and (number < low or (low_open and number == low)):
            number = (low + high) / 2
    return float(number)


def _bound(closed: object, open_: object, tighter: Callable[[float, float], float]) -> tuple[float | None, bool]:
    """Combine a closed and an open limit into the tighter one, returning it and whether it is open."""
    closed_value = _numeric(closed)
    open_value = _numeric(open_)
    if open_value is None:
        return closed_value, False
    if closed_value is None or tighter(open_value, closed_value) == open_value:
        return open_value, True
    return closed_value, False


def _numeric(value: object) -> float | None:
    # `bool` is an `int` in Python, but `true` is not a number in JSON (and draft-4 boolean
    # `exclusiveMinimum` flags are not limits).
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _count(node: dict[str, Any], keyword: str) -> int | None:
    value = node.get(keyword)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
