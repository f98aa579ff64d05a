from __future__ import annotations

import copy
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, Literal, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inline_snapshot import snapshot
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model
from typing_extensions import NotRequired, TypedDict

from pydantic_ai_groq._json_schema import walk_schemas
from pydantic_ai_groq._strict_schema import (
    StrictSchemaError,
    strict_schema_or_none,
    strip_nulls_for_optional,
    to_strict_schema,
)

# ---------------------------------------------------------------------------------------------
# Oracles

# Every keyword Groq documents for strict mode, plus `title` (left alone) and `definitions` (walked like `$defs`).
SUPPORTED = {
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


def assert_strict(schema: dict[str, Any]) -> None:
    """What Groq's strict mode asks of a schema: closed objects, every property required, supported keywords."""

    def visit(node: dict[str, Any]) -> None:
        assert set(node) <= SUPPORTED, set(node) - SUPPORTED
        if '$ref' in node:
            assert list(node) == ['$ref'], node  # no siblings next to `$ref`
        if 'properties' in node:
            assert node['type'] == 'object'
            assert node['required'] == list(node['properties'])
            assert node['additionalProperties'] is False
        if node.get('type') == 'object':
            assert 'properties' in node
        if node.get('type') == 'array':
            assert isinstance(node['items'], dict)
        assert {'type', 'enum', 'anyOf', '$ref', 'properties'} & node.keys(), node

    walk_schemas(schema, visit)


_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    'null': lambda v: v is None,
    'boolean': lambda v: isinstance(v, bool),
    'integer': lambda v: isinstance(v, int) and not isinstance(v, bool),
    'number': lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    'string': lambda v: isinstance(v, str),
    'array': lambda v: isinstance(v, list),
    'object': lambda v: isinstance(v, dict),
}


def conforms(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> bool:
    """A tiny validator for the strict subset, enough to tell whether data follows a strict schema."""
    if '$ref' in schema:
        target = root
        ref: str = schema['$ref']
        for part in ref[2:].split('/') if ref != '#' else []:
            target = target[part]
        return conforms(value, target, root)
    if 'anyOf' in schema and not any(conforms(value, member, root) for member in schema['anyOf']):
        return False
    if 'enum' in schema and value not in schema['enum']:
        return False
    if 'type' in schema:
        type_: str | list[str] = schema['type']
        types = type_ if isinstance(type_, list) else [type_]
        if not any(_TYPE_CHECKS[t](value) for t in types):
            return False
    if isinstance(value, dict) and 'properties' in schema:
        data = cast('dict[str, Any]', value)
        if set(data) != set(schema['properties']):
            return False
        return all(conforms(data[key], sub, root) for key, sub in schema['properties'].items())
    if isinstance(value, list) and 'items' in schema:
        return all(conforms(item, schema['items'], root) for item in cast('list[Any]', value))
    return True


def strict_of(tp: Any) -> dict[str, Any]:
    schema = TypeAdapter(tp).json_schema()
    original = copy.deepcopy(schema)
    result = to_strict_schema(schema)
    assert schema == original, 'input mutated'
    assert_strict(result)
    assert to_strict_schema(result) == result, 'not idempotent'
    return result


def error_of(schema: dict[str, Any]) -> str:
    with pytest.raises(StrictSchemaError) as info:
        to_strict_schema(schema)
    assert strict_schema_or_none(schema) is None
    return str(info.value)


# ---------------------------------------------------------------------------------------------
# Realistic pydantic schemas


class Unit(str, Enum):
    kg = 'kg'
    lb = 'lb'


class Address(BaseModel):
    """Where someone lives."""

    city: str
    postcode: str | None = None


class Pet(BaseModel):
    name: str
    kind: Literal['cat', 'dog'] = 'cat'


class Person(BaseModel):
    name: str = Field(min_length=1, max_length=50, pattern=r'^[A-Z]')
    age: int = Field(ge=0, le=150, description='The age.')
    nickname: str | None = None
    score: float = 0.5
    unit: Unit = Unit.kg
    address: Address = Field(description='Home address.')
    pets: list[Pet] = []
    tags: list[str] = Field(default_factory=list, min_length=1, max_length=3)
    id: int | str = 0


def test_person() -> None:
    assert strict_of(Person) == snapshot(
        {
            '$defs': {
                'Address': {
                    'description': 'Where someone lives.',
                    'properties': {
                        'city': {'title': 'City', 'type': 'string'},
                        'postcode': {
                            'anyOf': [{'type': 'string'}, {'type': 'null'}],
                            'title': 'Postcode',
                            'description': 'default: null',
                        },
                    },
                    'required': ['city', 'postcode'],
                    'title': 'Address',
                    'type': 'object',
                    'additionalProperties': False,
                },
                'Pet': {
                    'properties': {
                        'name': {'title': 'Name', 'type': 'string'},
                        'kind': {
                            'anyOf': [{'enum': ['cat', 'dog'], 'type': 'string'}, {'type': 'null'}],
                            'title': 'Kind',
                            'description': 'default: "cat"',
                        },
                    },
                    'required': ['name', 'kind'],
                    'title': 'Pet',
                    'type': 'object',
                    'additionalProperties': False,
                },
                'Unit': {'enum': ['kg', 'lb'], 'title': 'Unit', 'type': 'string'},
            },
            'properties': {
                'name': {
                    'title': 'Name',
                    'type': 'string',
                    'description': 'pattern: "^[A-Z]", minLength: 1, maxLength: 50',
                },
                'age': {'description': 'The age. (minimum: 0, maximum: 150)', 'title': 'Age', 'type': 'integer'},
                'nickname': {
                    'anyOf': [{'type': 'string'}, {'type': 'null'}],
                    'title': 'Nickname',
                    'description': 'default: null',
                },
                'score': {
                    'anyOf': [{'type': 'number'}, {'type': 'null'}],
                    'title': 'Score',
                    'description': 'default: 0.5',
                },
                'unit': {'anyOf': [{'$ref': '#/$defs/Unit'}, {'type': 'null'}], 'description': 'default: "kg"'},
                'address': {'anyOf': [{'$ref': '#/$defs/Address'}], 'description': 'Home address.'},
                'pets': {
                    'anyOf': [{'items': {'$ref': '#/$defs/Pet'}, 'type': 'array'}, {'type': 'null'}],
                    'title': 'Pets',
                    'description': 'default: []',
                },
                'tags': {
                    'anyOf': [{'items': {'type': 'string'}, 'type': 'array'}, {'type': 'null'}],
                    'title': 'Tags',
                    'description': 'minItems: 1, maxItems: 3',
                },
                'id': {
                    'anyOf': [{'type': 'integer'}, {'type': 'string'}, {'type': 'null'}],
                    'title': 'Id',
                    'description': 'default: 0',
                },
            },
            'required': ['name', 'age', 'nickname', 'score', 'unit', 'address', 'pets', 'tags', 'id'],
            'title': 'Person',
            'type': 'object',
            'additionalProperties': False,
        }
    )


class Node(BaseModel):
    """A tree."""

    value: int
    children: list[Node] = []


def test_recursive_model_root_ref_is_inlined() -> None:
    assert TypeAdapter(Node).json_schema()['$ref'] == '#/$defs/Node'
    assert strict_of(Node) == snapshot(
        {
            'description': 'A tree.',
            'properties': {
                'value': {'title': 'Value', 'type': 'integer'},
                'children': {
                    'anyOf': [{'items': {'$ref': '#/$defs/Node'}, 'type': 'array'}, {'type': 'null'}],
                    'title': 'Children',
                    'description': 'default: []',
                },
            },
            'required': ['value', 'children'],
            'title': 'Node',
            'type': 'object',
            '$defs': {
                'Node': {
                    'description': 'A tree.',
                    'properties': {
                        'value': {'title': 'Value', 'type': 'integer'},
                        'children': {
                            'anyOf': [{'items': {'$ref': '#/$defs/Node'}, 'type': 'array'}, {'type': 'null'}],
                            'title': 'Children',
                            'description': 'default: []',
                        },
                    },
                    'required': ['value', 'children'],
                    'title': 'Node',
                    'type': 'object',
                    'additionalProperties': False,
                }
            },
            'additionalProperties': False,
        }
    )


class Cat(BaseModel):
    kind: Literal['cat']
    lives: int = 9


class Dog(BaseModel):
    kind: Literal['dog']
    good: bool | None = True


class Owner(BaseModel):
    pet: Annotated[Cat | Dog, Field(discriminator='kind')]
    backup: Cat | Dog | None = None


def test_discriminated_union_becomes_any_of() -> None:
    assert strict_of(Owner) == snapshot(
        {
            '$defs': {
                'Cat': {
                    'properties': {
                        'kind': {'title': 'Kind', 'type': 'string', 'enum': ['cat']},
                        'lives': {
                            'anyOf': [{'type': 'integer'}, {'type': 'null'}],
                            'title': 'Lives',
                            'description': 'default: 9',
                        },
                    },
                    'required': ['kind', 'lives'],
                    'title': 'Cat',
                    'type': 'object',
                    'additionalProperties': False,
                },
                'Dog': {
                    'properties': {
                        'kind': {'title': 'Kind', 'type': 'string', 'enum': ['dog']},
                        'good': {
                            'anyOf': [{'type': 'boolean'}, {'type': 'null'}],
                            'title': 'Good',
                            'description': 'default: true',
                        },
                    },
                    'required': ['kind', 'good'],
                    'title': 'Dog',
                    'type': 'object',
                    'additionalProperties': False,
                },
            },
            'properties': {
                'pet': {'title': 'Pet', 'anyOf': [{'$ref': '#/$defs/Cat'}, {'$ref': '#/$defs/Dog'}]},
                'backup': {
                    'anyOf': [{'$ref': '#/$defs/Cat'}, {'$ref': '#/$defs/Dog'}, {'type': 'null'}],
                    'title': 'Backup',
                    'description': 'default: null',
                },
            },
            'required': ['pet', 'backup'],
            'title': 'Owner',
            'type': 'object',
            'additionalProperties': False,
        }
    )


class Options(TypedDict):
    verbose: bool
    level: NotRequired[int]


def test_typed_dict_not_required() -> None:
    assert strict_of(Options) == snapshot(
        {
            'properties': {
                'verbose': {'title': 'Verbose', 'type': 'boolean'},
                'level': {'anyOf': [{'type': 'integer'}, {'type': 'null'}], 'title': 'Level'},
            },
            'required': ['verbose', 'level'],
            'title': 'Options',
            'type': 'object',
            'additionalProperties': False,
        }
    )


def test_non_object_roots() -> None:
    assert strict_of(list[Pet]) == snapshot(
        {
            '$defs': {
                'Pet': {
                    'properties': {
                        'name': {'title': 'Name', 'type': 'string'},
                        'kind': {
                            'anyOf': [{'enum': ['cat', 'dog'], 'type': 'string'}, {'type': 'null'}],
                            'title': 'Kind',
                            'description': 'default: "cat"',
                        },
                    },
                    'required': ['name', 'kind'],
                    'title': 'Pet',
                    'type': 'object',
                    'additionalProperties': False,
                }
            },
            'items': {'$ref': '#/$defs/Pet'},
            'type': 'array',
        }
    )
    assert strict_of(Annotated[int, Field(gt=0, multiple_of=5)]) == snapshot(
        {'type': 'integer', 'description': 'exclusiveMinimum: 0, multipleOf: 5'}
    )
    assert strict_of(Literal['a', 'b'] | None) == snapshot(
        {'anyOf': [{'enum': ['a', 'b'], 'type': 'string'}, {'type': 'null'}]}
    )


def test_dict_is_refused() -> None:
    class Tagged(BaseModel):
        tags: dict[str, int]

    assert error_of(TypeAdapter(Tagged).json_schema()) == snapshot(
        'properties.tags: an object without `properties` (a free-form mapping such as `dict[str, int]`) cannot be strict'
    )
    assert error_of(TypeAdapter(dict[str, int]).json_schema()) == snapshot(
        '<root>: an object without `properties` (a free-form mapping such as `dict[str, int]`) cannot be strict'
    )

    class Nested(BaseModel):
        inner: list[Tagged] = []

    assert error_of(TypeAdapter(Nested).json_schema()) == snapshot(
        '$defs.Tagged.properties.tags: an object without `properties` (a free-form mapping such as `dict[str, int]`) cannot be strict'
    )


def test_other_pydantic_refusals() -> None:
    class WithAny(BaseModel):
        payload: Any

    class WithTuple(BaseModel):
        pair: tuple[int, str]

    class WithExtra(BaseModel):
        model_config = ConfigDict(extra='allow')
        x: int

    assert error_of(TypeAdapter(WithAny).json_schema()) == snapshot(
        'properties.payload: a schema without `type`, `enum`, `anyOf` or `$ref` accepts any value'
    )
    assert error_of(TypeAdapter(WithTuple).json_schema()) == snapshot(
        'properties.pair: `prefixItems` cannot be expressed in strict mode'
    )
    # Extra keys are optional, so closing the object loses nothing the validator needs.
    assert strict_of(WithExtra) == snapshot(
        {
            'additionalProperties': False,
            'properties': {'x': {'title': 'X', 'type': 'integer'}},
            'required': ['x'],
            'title': 'WithExtra',
            'type': 'object',
        }
    )


# ---------------------------------------------------------------------------------------------
# Keyword by keyword


def test_constraints_become_description() -> None:
    schema = {
        'type': 'object',
        'properties': {
            'a': {'type': 'integer', 'maximum': 150, 'minimum': 0, 'description': 'The age.'},
            'b': {'type': 'string', 'format': 'email', 'examples': ['x@y.z'], 'x-custom': {'k': 1}, 'minLength': 3},
            'c': {'type': 'string', 'deprecated': True, 'description': ''},
            'd': {'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True, 'minItems': 1},
            'e': {'type': 'string', 'default': 'ü', 'readOnly': True},
        },
        'required': ['a', 'b', 'c', 'd', 'e'],
        '$schema': 'https://json-schema.org/draft/2020-12/schema',
        '$comment': 'dropped',
    }
    assert to_strict_schema(schema) == snapshot(
        {
            'type': 'object',
            'properties': {
                'a': {'type': 'integer', 'description': 'The age. (minimum: 0, maximum: 150)'},
                'b': {
                    'type': 'string',
                    'description': 'format: "email", minLength: 3, examples: ["x@y.z"], x-custom: {"k": 1}',
                },
                'c': {'type': 'string', 'description': 'deprecated: true'},
                'd': {'type': 'array', 'items': {'type': 'string'}, 'description': 'minItems: 1, uniqueItems: true'},
                'e': {'type': 'string', 'description': 'readOnly: true, default: "ü"'},
            },
            'required': ['a', 'b', 'c', 'd', 'e'],
            'additionalProperties': False,
        }
    )


def test_const_and_one_of() -> None:
    schema = {
        'type': 'object',
        'properties': {
            'kind': {'const': 'x', 'enum': ['x', 'y']},
            'either': {'oneOf': [{'type': 'integer'}, {'type': 'string'}], 'discriminator': {'propertyName': 'k'}},
        },
        'required': ['kind', 'either'],
    }
    assert to_strict_schema(schema) == snapshot(
        {
            'type': 'object',
            'properties': {'kind': {'enum': ['x']}, 'either': {'anyOf': [{'type': 'integer'}, {'type': 'string'}]}},
            'required': ['kind', 'either'],
            'additionalProperties': False,
        }
    )


def test_single_all_of_is_merged() -> None:
    # Older pydantic wrapped a described `$ref` as `allOf: [{$ref}]`; the outer keywords win on conflict.
    schema = {
        'type': 'object',
        'properties': {
            'addr': {'allOf': [{'$ref': '#/$defs/A'}], 'description': 'Home.', 'default': {'city': 'x'}},
            'n': {'allOf': [{'allOf': [{'type': 'integer', 'description': 'inner'}]}], 'description': 'outer'},
        },
        'required': ['n'],
        '$defs': {'A': {'type': 'object', 'properties': {'city': {'type': 'string'}}, 'required': ['city']}},
    }
    assert to_strict_schema(schema) == snapshot(
        {
            'type': 'object',
            'properties': {
                'addr': {
                    'anyOf': [{'$ref': '#/$defs/A'}, {'type': 'null'}],
                    'description': 'Home. (default: {"city": "x"})',
                },
                'n': {'type': 'integer', 'description': 'outer'},
            },
            'required': ['addr', 'n'],
            '$defs': {
                'A': {
                    'type': 'object',
                    'properties': {'city': {'type': 'string'}},
                    'required': ['city'],
                    'additionalProperties': False,
                }
            },
            'additionalProperties': False,
        }
    )


def test_ref_with_siblings_is_wrapped() -> None:
    schema = {
        'type': 'object',
        'properties': {
            'req': {'$ref': '#/$defs/E', 'description': 'Required.'},
            'opt': {'$ref': '#/$defs/E'},
            'opt_described': {'$ref': '#/$defs/E', 'title': 'T', 'description': 'Optional.'},
            'root': {'$ref': '#'},
        },
        'required': ['req', 'root'],
        'definitions': {'E': {'enum': ['a', 'b']}},
        '$defs': {'E': {'type': 'string', 'enum': ['a', 'b']}},
    }
    assert to_strict_schema(schema) == snapshot(
        {
            'type': 'object',
            'properties': {
                'req': {'anyOf': [{'$ref': '#/$defs/E'}], 'description': 'Required.'},
                'opt': {'anyOf': [{'$ref': '#/$defs/E'}, {'type': 'null'}]},
                'opt_described': {
                    'anyOf': [{'$ref': '#/$defs/E'}, {'type': 'null'}],
                    'title': 'T',
                    'description': 'Optional.',
                },
                'root': {'$ref': '#'},
            },
            'required': ['req', 'opt', 'opt_described', 'root'],
            'definitions': {'E': {'enum': ['a', 'b']}},
            '$defs': {'E': {'type': 'string', 'enum': ['a', 'b']}},
            'additionalProperties': False,
        }
    )


def test_optional_properties_become_nullable_once() -> None:
    schema: dict[str, Any] = {
        'type': 'object',
        'properties': {
            'plain': {'type': 'integer', 'title': 'Plain', 'description': 'P.'},
            'type_list': {'type': ['string', 'null']},
            'null_type': {'type': 'null'},
            'enum_with_null': {'enum': ['a', None]},
            'enum_without_null': {'type': ['string', 'null'], 'enum': ['a']},
            'typed_enum_with_null': {'type': 'string', 'enum': ['a', None]},
            'union': {'anyOf': [{'type': 'integer'}, {'type': 'string'}], 'description': 'U.'},
            'nullable_union': {'anyOf': [{'type': 'integer'}, {'type': ['string', 'null']}]},
            'union_with_type': {'type': 'object', 'anyOf': [{'properties': {}}], 'properties': {}},
        },
    }
    assert to_strict_schema(schema) == snapshot(
        {
            'type': 'object',
            'properties': {
                'plain': {'anyOf': [{'type': 'integer'}, {'type': 'null'}], 'title': 'Plain', 'description': 'P.'},
                'type_list': {'type': ['string', 'null']},
                'null_type': {'type': 'null'},
                'enum_with_null': {'enum': ['a', None]},
                'enum_without_null': {'anyOf': [{'type': ['string', 'null'], 'enum': ['a']}, {'type': 'null'}]},
                'typed_enum_with_null': {'anyOf': [{'type': 'string', 'enum': ['a', None]}, {'type': 'null'}]},
                'union': {'anyOf': [{'type': 'integer'}, {'type': 'string'}, {'type': 'null'}], 'description': 'U.'},
                'nullable_union': {'anyOf': [{'type': 'integer'}, {'type': ['string', 'null']}]},
                'union_with_type': {
                    'anyOf': [
                        {
                            'type': 'object',
                            'anyOf': [
                                {'properties': {}, 'required': [], 'additionalProperties': False, 'type': 'object'}
                            ],
                            'properties': {},
                            'required': [],
                            'additionalProperties': False,
                        },
                        {'type': 'null'},
                    ]
                },
            },
            'required': [
                'plain',
                'type_list',
                'null_type',
                'enum_with_null',
                'enum_without_null',
                'typed_enum_with_null',
                'union',
                'nullable_union',
                'union_with_type',
            ],
            'additionalProperties': False,
        }
    )


def test_objects() -> None:
    schema: dict[str, Any] = {
        'properties': {
            'untyped': {'properties': {'x': {'type': 'integer'}}, 'required': ['x'], 'additionalProperties': True},
            'empty': {'type': 'object', 'additionalProperties': False},
            'nullable_object': {'type': ['object', 'null'], 'properties': {'y': {'type': 'boolean'}}},
            'closed_already': {'type': 'object', 'properties': {}, 'required': [], 'additionalProperties': False},
        },
        'required': ['untyped', 'empty', 'nullable_object', 'closed_already'],
    }
    assert to_strict_schema(schema) == snapshot(
        {
            'properties': {
                'untyped': {
                    'properties': {'x': {'type': 'integer'}},
                    'required': ['x'],
                    'additionalProperties': False,
                    'type': 'object',
                },
                'empty': {'type': 'object', 'additionalProperties': False, 'properties': {}, 'required': []},
                'nullable_object': {
                    'type': ['object', 'null'],
                    'properties': {'y': {'anyOf': [{'type': 'boolean'}, {'type': 'null'}]}},
                    'required': ['y'],
                    'additionalProperties': False,
                },
                'closed_already': {'type': 'object', 'properties': {}, 'required': [], 'additionalProperties': False},
            },
            'required': ['untyped', 'empty', 'nullable_object', 'closed_already'],
            'additionalProperties': False,
            'type': 'object',
        }
    )


def test_root_refs() -> None:
    # A root `$ref` that names nothing cannot be inlined; it is kept and wrapped like any described `$ref`.
    assert to_strict_schema({'$ref': '#/$defs/Missing', 'description': 'D.'}) == snapshot(
        {'anyOf': [{'$ref': '#/$defs/Missing'}], 'description': 'D.'}
    )
    assert to_strict_schema({'$ref': '#'}) == snapshot({'$ref': '#'})
    assert to_strict_schema({'$ref': '#/$defs/A', '$defs': {'A': {'type': 'integer'}}}) == snapshot(
        {'type': 'integer', '$defs': {'A': {'type': 'integer'}}}
    )


@pytest.mark.parametrize(
    'schema',
    [
        pytest.param({}, id='empty'),
        pytest.param({'description': 'anything'}, id='annotation-only'),
        pytest.param({'type': 'object'}, id='bare-object'),
        pytest.param({'type': 'object', 'additionalProperties': {'type': 'integer'}}, id='mapping'),
        pytest.param({'type': 'array'}, id='array-without-items'),
        pytest.param({'type': 'array', 'items': True}, id='items-true'),
        pytest.param({'type': 'array', 'prefixItems': [{'type': 'integer'}]}, id='tuple'),
        pytest.param({'type': 'string', 'not': {'const': ''}}, id='not'),
        pytest.param({'allOf': [{'type': 'integer'}, {'minimum': 0}]}, id='all-of-two'),
        pytest.param({'allOf': [True]}, id='all-of-boolean'),
        pytest.param({'allOf': {'type': 'integer'}}, id='all-of-not-list'),
        pytest.param({'oneOf': [{'type': 'integer'}], 'anyOf': [{'type': 'string'}]}, id='one-of-and-any-of'),
        pytest.param({'anyOf': {'type': 'integer'}}, id='any-of-not-list'),
        pytest.param({'anyOf': [{'type': 'integer'}, {}]}, id='any-of-any'),
        pytest.param({'type': 'object', 'properties': [{'type': 'integer'}]}, id='properties-not-map'),
        pytest.param({'type': 'integer', '$defs': {'A': {'type': 'object'}}}, id='defs-member'),
        pytest.param({'type': 'integer', '$defs': [{'type': 'integer'}]}, id='defs-not-map'),
        pytest.param(
            {'type': 'object', 'properties': {'a': {'type': 'object', 'properties': {'b': False}}}}, id='deep'
        ),
    ],
)
def test_refusals(schema: dict[str, Any]) -> None:
    assert error_of(schema)


def test_refusal_messages() -> None:
    assert error_of({}) == snapshot('<root>: a schema without `type`, `enum`, `anyOf` or `$ref` accepts any value')
    assert error_of({'type': 'array'}) == snapshot('<root>: an array without an `items` schema cannot be strict')
    assert error_of({'anyOf': [{'type': 'integer'}, {}]}) == snapshot(
        'anyOf.1: a schema without `type`, `enum`, `anyOf` or `$ref` accepts any value'
    )
    assert error_of({'properties': {'a': {'type': 'object', 'properties': {'b': False}}}}) == snapshot(
        'properties.a.properties.b: False is not a schema object (boolean schemas cannot be strict)'
    )
    assert error_of({'type': 'integer', '$defs': {'A': {'type': 'object'}}}) == snapshot(
        '$defs.A: an object without `properties` (a free-form mapping such as `dict[str, int]`) cannot be strict'
    )
    assert error_of({'type': 'string', 'not': {'const': ''}}) == snapshot(
        '<root>: `not` cannot be expressed in strict mode'
    )


def test_error_attributes() -> None:
    with pytest.raises(StrictSchemaError) as info:
        to_strict_schema({'properties': {'tags': {'type': 'object', 'additionalProperties': {'type': 'integer'}}}})
    assert isinstance(info.value, ValueError)
    assert (info.value.path, info.value.reason) == snapshot(
        (
            'properties.tags',
            'an object without `properties` (a free-form mapping such as `dict[str, int]`) cannot be strict',
        )
    )


def test_input_is_not_mutated_even_when_shared() -> None:
    shared = {'type': 'integer', 'minimum': 0}
    schema = {'type': 'object', 'properties': {'a': shared, 'b': shared}, 'required': ['a']}
    original = copy.deepcopy(schema)
    result = to_strict_schema(schema)
    assert schema == original
    assert result['properties']['a'] == {'type': 'integer', 'description': 'minimum: 0'}
    assert result['properties']['b'] == {
        'anyOf': [{'type': 'integer'}, {'type': 'null'}],
        'description': 'minimum: 0',
    }
    result['properties']['a']['type'] = 'string'
    assert shared['type'] == 'integer'


# ---------------------------------------------------------------------------------------------
# strip_nulls_for_optional


def test_null_for_a_defaulted_field_is_rejected_by_pydantic() -> None:
    class M(BaseModel):
        a: int
        b: int = 3

    # What strict mode makes the model send for an optional field it has nothing for:
    with pytest.raises(ValidationError):
        M.model_validate({'a': 1, 'b': None})
    data = strip_nulls_for_optional({'a': 1, 'b': None}, TypeAdapter(M).json_schema())
    assert data == {'a': 1}
    assert M.model_validate(data) == M(a=1, b=3)


def test_strip_nulls_person() -> None:
    schema = TypeAdapter(Person).json_schema()
    strict = to_strict_schema(schema)
    data = {
        'name': 'Ann',
        'age': 30,
        'nickname': None,
        'score': None,
        'unit': None,
        'address': {'city': 'Oslo', 'postcode': None},
        'pets': [{'name': 'Tom', 'kind': None}, {'name': 'Rex', 'kind': 'dog'}],
        'tags': ['x'],
        'id': None,
    }
    assert conforms(data, strict, strict)
    original = copy.deepcopy(data)
    stripped = strip_nulls_for_optional(data, schema)
    assert data == original
    assert stripped == snapshot(
        {
            'name': 'Ann',
            'age': 30,
            'nickname': None,
            'address': {'city': 'Oslo', 'postcode': None},
            'pets': [{'name': 'Tom'}, {'name': 'Rex', 'kind': 'dog'}],
            'tags': ['x'],
        }
    )
    assert TypeAdapter(Person).validate_python(stripped) == Person(
        name='Ann',
        age=30,
        address=Address(city='Oslo'),
        pets=[Pet(name='Tom'), Pet(name='Rex', kind='dog')],
        tags=['x'],
    )


def test_strip_nulls_recursive_and_unions() -> None:
    node = strip_nulls_for_optional(
        {'value': 1, 'children': [{'value': 2, 'children': None}, {'value': 3, 'children': []}]},
        TypeAdapter(Node).json_schema(),
    )
    assert node == {'value': 1, 'children': [{'value': 2}, {'value': 3, 'children': []}]}
    assert TypeAdapter(Node).validate_python(node).children[0].children == []

    schema = TypeAdapter(Owner).json_schema()
    # `lives` only exists on Cat, which does not accept null there: dropped so its default applies.
    assert strip_nulls_for_optional({'pet': {'kind': 'cat', 'lives': None}, 'backup': None}, schema) == {
        'pet': {'kind': 'cat'},
        'backup': None,
    }
    # `good` accepts null on Dog: kept, it is a value.
    owner = strip_nulls_for_optional({'pet': {'kind': 'dog', 'good': None}, 'backup': None}, schema)
    assert owner == {'pet': {'kind': 'dog', 'good': None}, 'backup': None}
    assert TypeAdapter(Owner).validate_python(owner).pet == Dog(kind='dog', good=None)


def test_strip_nulls_union_branches_must_agree() -> None:
    class A(BaseModel):
        x: int
        y: int = 3

    class B(BaseModel):
        x: int
        y: int | None = 4

    schema = TypeAdapter(A | B).json_schema()
    data = strip_nulls_for_optional({'x': 1, 'y': None}, schema)
    assert data == {'x': 1, 'y': None}
    assert TypeAdapter(A | B).validate_python(data) == B(x=1, y=None)


def test_strip_nulls_typed_dict_and_any() -> None:
    assert strip_nulls_for_optional({'verbose': True, 'level': None}, TypeAdapter(Options).json_schema()) == {
        'verbose': True
    }

    class M(BaseModel):
        anything: Any = 1
        maybe: Literal['a', None] = 'a'

    data = {'anything': None, 'maybe': None}
    assert strip_nulls_for_optional(data, TypeAdapter(M).json_schema()) == data
    assert TypeAdapter(M).validate_python(data) == M(anything=None, maybe=None)


def test_strip_nulls_schema_shapes() -> None:
    schema: dict[str, Any] = {
        'type': 'object',
        'properties': {
            'req': {'type': 'integer'},
            'const_null': {'const': None},
            'const_other': {'const': 1},
            'enum_null': {'enum': [1, None]},
            'enum_other': {'enum': [1, 2]},
            'all_of_nullable': {'allOf': [{'type': ['integer', 'null']}]},
            'all_of_not': {'allOf': [{'type': 'integer'}]},
            'one_of': {'oneOf': [{'type': 'null'}, {'type': 'integer'}]},
            'bool_true': True,
            'bool_false': False,
            'missing_ref': {'$ref': '#/$defs/Missing'},
            'remote_ref': {'$ref': 'https://example.com/schema'},
            'pointer_into_value': {'$ref': '#/properties/req/type'},
            'pointer_through_list': {'$ref': '#/required/0'},
            'escaped': {'$ref': '#/$defs/a~1b~0c'},
            'self_loop': {'$ref': '#/$defs/Loop'},
            'nested': {'$ref': '#/$defs/Inner'},
        },
        'required': ['req'],
        '$defs': {
            'a/b~c': {'type': 'string'},
            'Loop': {'anyOf': [{'$ref': '#/$defs/Loop'}, {'type': 'integer'}]},
            'Inner': {'type': 'object', 'properties': {'z': {'type': 'integer'}}},
        },
    }
    data = dict.fromkeys(schema['properties'])
    assert strip_nulls_for_optional(data, schema) == snapshot(
        {
            'req': None,
            'const_null': None,
            'enum_null': None,
            'all_of_nullable': None,
            'one_of': None,
            'bool_true': None,
            'missing_ref': None,
            'remote_ref': None,
            'pointer_into_value': None,
            'pointer_through_list': None,
            'self_loop': None,
        }
    )
    assert strip_nulls_for_optional({'nested': {'z': None}}, schema) == {'nested': {}}


def test_strip_nulls_leaves_unknown_shapes_alone() -> None:
    schema = TypeAdapter(Address).json_schema()
    # Keys the schema does not declare: no object schema matches, so nothing is dropped.
    assert strip_nulls_for_optional({'city': 'x', 'extra': None}, schema) == {'city': 'x', 'extra': None}
    assert strip_nulls_for_optional([{'a': None}], schema) == [{'a': None}]
    assert strip_nulls_for_optional(None, schema) is None
    assert strip_nulls_for_optional('text', schema) == 'text'
    assert strip_nulls_for_optional({}, {'type': 'object'}) == {}


# ---------------------------------------------------------------------------------------------
# Properties

_primitive = st.sampled_from(
    [
        {'type': 'integer'},
        {'type': 'integer', 'minimum': 0, 'maximum': 10},
        {'type': 'number', 'exclusiveMinimum': 0, 'multipleOf': 0.5},
        {'type': 'string'},
        {'type': 'string', 'minLength': 1, 'maxLength': 5, 'pattern': '^a'},
        {'type': 'string', 'format': 'date-time'},
        {'type': 'boolean'},
        {'type': 'null'},
        {'type': 'string', 'enum': ['a', 'b']},
        {'const': 'x', 'type': 'string'},
        {'$ref': '#/$defs/Leaf'},
        {'type': ['string', 'null']},
        {},
        {'type': 'object'},
        {'type': 'object', 'additionalProperties': {'type': 'integer'}},
    ]
)
_names = st.sampled_from(['a', 'b', 'c', 'title', 'type', 'properties'])


def _extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    def obj(props: dict[str, dict[str, Any]], required: list[str], extra: Any) -> dict[str, Any]:
        schema: dict[str, Any] = {
            'type': 'object',
            'properties': props,
            'required': [n for n in required if n in props],
        }
        if extra is not None:
            schema['additionalProperties'] = extra
        return schema

    def array(items: dict[str, Any], min_items: bool) -> dict[str, Any]:
        return {'type': 'array', 'items': items, **({'minItems': 1} if min_items else {})}

    def union(key: str, members: list[dict[str, Any]]) -> dict[str, Any]:
        return {key: members}

    def all_of(member: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        return {'allOf': [member], **extra}

    def merged(schema: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        return {**schema, **extra}

    annotated: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
        {}, optional={'description': st.just('D.'), 'default': st.integers(), 'title': st.just('T')}
    )
    return st.one_of(
        st.builds(
            obj, st.dictionaries(_names, children, max_size=4), st.lists(_names), st.sampled_from([None, True, False])
        ),
        st.builds(array, children, st.booleans()),
        st.builds(union, st.sampled_from(['anyOf', 'oneOf']), st.lists(children, min_size=1, max_size=3)),
        st.builds(all_of, children, annotated),
        st.builds(merged, children, annotated),
    )


_schemas = st.recursive(_primitive, _extend, max_leaves=12)


def _with_defs(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, '$defs': {'Leaf': {'type': 'object', 'properties': {'v': {'type': 'integer'}}}}}


@settings(max_examples=400, deadline=None)
@given(_schemas.map(_with_defs))
def test_any_schema_is_made_strict_or_refused(schema: dict[str, Any]) -> None:
    original = copy.deepcopy(schema)
    try:
        result = to_strict_schema(schema)
    except StrictSchemaError as error:
        assert error.reason
        assert strict_schema_or_none(schema) is None
    else:
        assert_strict(result)
        assert to_strict_schema(result) == result
        assert strict_schema_or_none(schema) == result
    assert schema == original


# Field types with a value the strict schema and pydantic both accept, for required fields.
_FIELD_TYPES: list[tuple[Any, Any]] = [
    (int, 7),
    (Annotated[int, Field(ge=0, le=10)], 5),
    (str, 'x'),
    (Annotated[str, Field(min_length=2, pattern='^a')], 'ab'),
    (float, 1.5),
    (bool, True),
    (int | None, None),
    (list[str], ['a']),
    (Literal['p', 'q'], 'q'),
    (Unit, 'lb'),
    (Address, {'city': 'c', 'postcode': None}),
    (list[Pet], [{'name': 'n', 'kind': 'dog'}]),
    (Cat | Dog, {'kind': 'dog', 'good': None}),
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(range(len(_FIELD_TYPES))), st.booleans()),
        min_size=1,
        max_size=6,
    )
)
def test_pydantic_models_round_trip(fields: list[tuple[int, bool]]) -> None:
    definitions: dict[str, Any] = {}
    strict_data: dict[str, Any] = {}
    for i, (index, optional) in enumerate(fields):
        tp, sample = _FIELD_TYPES[index]
        name = f'f{i}'
        if optional:
            definitions[name] = (tp, Field(default=sample))
            strict_data[name] = None  # what strict mode makes the model send for "use the default"
        else:
            definitions[name] = (tp, ...)
            strict_data[name] = sample
    model = create_model('Generated', **definitions)
    schema = TypeAdapter(model).json_schema()
    strict = strict_of(model)
    assert conforms(strict_data, strict, strict)
    validated = TypeAdapter(model).validate_python(strip_nulls_for_optional(strict_data, schema))
    for i, (index, optional) in enumerate(fields):
        if optional:
            # pydantic does not validate defaults, so the default is the sample itself.
            assert getattr(validated, f'f{i}') == _FIELD_TYPES[index][1]
