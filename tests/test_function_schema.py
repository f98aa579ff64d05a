from __future__ import annotations as _annotations

import enum
import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any, Literal, Optional

import pytest
from inline_snapshot import snapshot
from pydantic import BaseModel, Field, ValidationError
from typing_extensions import TypedDict

from pydantic_ai_groq._function_schema import FunctionSchema, callable_name, function_schema
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.tools import RunContext

# This module uses `from __future__ import annotations`, so every annotation below is a string that
# `function_schema` has to resolve, RunContext included.


def errors(exc_info: pytest.ExceptionInfo[ValidationError]) -> list[dict[str, Any]]:
    return [dict(error) for error in exc_info.value.errors(include_url=False)]


# --- docstrings ----------------------------------------------------------------------------


def google_style(city: str, limit: int = 10) -> list[str]:
    """Find places in a city.

    Looks the city up by its English name,
    then lists places in it.

    Args:
        city: City name in English.
        limit (int): How many places to list
            at most.

    Returns:
        Place names.
    """
    return []


def numpy_style(city: str, limit: int = 10) -> list[str]:
    """Find places in a city.

    Looks the city up by its English name.

    Parameters
    ----------
    city : str
        City name in English.
    limit
        How many places to list at most.

    Returns
    -------
    list[str]
        Place names.
    """
    return []


def sphinx_style(city: str, limit: int = 10) -> list[str]:
    """Find places in a city.

    Looks the city up by its English name.

    :param city: City name in English.
    :param int limit: How many places to list at most.
    :returns: Place names.
    """
    return []


def test_google_docstring():
    schema = function_schema(google_style)
    assert schema.description == snapshot("""\
Find places in a city.

Looks the city up by its English name,
then lists places in it.\
""")
    assert schema.json_schema == snapshot(
        {
            'type': 'object',
            'properties': {
                'city': {'type': 'string', 'description': 'City name in English.'},
                'limit': {'default': 10, 'type': 'integer', 'description': 'How many places to list\nat most.'},
            },
            'required': ['city'],
            'additionalProperties': False,
        }
    )


def test_numpy_docstring():
    schema = function_schema(numpy_style)
    assert schema.description == snapshot("""\
Find places in a city.

Looks the city up by its English name.\
""")
    assert schema.json_schema == snapshot(
        {
            'type': 'object',
            'properties': {
                'city': {'type': 'string', 'description': 'City name in English.'},
                'limit': {'default': 10, 'type': 'integer', 'description': 'How many places to list at most.'},
            },
            'required': ['city'],
            'additionalProperties': False,
        }
    )


def test_sphinx_docstring():
    schema = function_schema(sphinx_style)
    assert schema.description == snapshot("""\
Find places in a city.

Looks the city up by its English name.\
""")
    assert schema.json_schema == snapshot(
        {
            'type': 'object',
            'properties': {
                'city': {'type': 'string', 'description': 'City name in English.'},
                'limit': {'default': 10, 'type': 'integer', 'description': 'How many places to list at most.'},
            },
            'required': ['city'],
            'additionalProperties': False,
        }
    )


@pytest.mark.parametrize(
    ('function', 'docstring_format'),
    [(google_style, 'google'), (numpy_style, 'numpy'), (sphinx_style, 'sphinx')],
)
def test_explicit_docstring_format(function: Any, docstring_format: Any):
    auto = function_schema(function)
    explicit = function_schema(function, docstring_format=docstring_format)
    assert explicit.json_schema == auto.json_schema
    assert explicit.description == auto.description


def test_docstring_format_that_does_not_match_gives_no_parameter_descriptions():
    schema = function_schema(sphinx_style, docstring_format='google')
    assert schema.json_schema['properties'] == snapshot(
        {'city': {'type': 'string'}, 'limit': {'default': 10, 'type': 'integer'}}
    )


def test_summary_only():
    def ping() -> str:
        """Check the service is up."""
        return 'pong'

    assert function_schema(ping).description == 'Check the service is up.'


def test_no_docstring():
    def ping(host: str) -> str:
        return host

    schema = function_schema(ping)
    assert schema.description == ''
    assert schema.json_schema == snapshot(
        {
            'type': 'object',
            'properties': {'host': {'type': 'string'}},
            'required': ['host'],
            'additionalProperties': False,
        }
    )


def test_parameter_without_description_in_docstring():
    def lookup(key: str) -> str:
        """Look a key up.

        :param key:
        """
        return key

    assert function_schema(lookup).json_schema['properties'] == snapshot({'key': {'type': 'string'}})


def test_docstring_that_cannot_be_parsed():
    def broken(key: str) -> str:
        """Look a key up.

        :param: key
        """
        return key

    with pytest.raises(UserError) as exc_info:
        function_schema(broken, docstring_format='sphinx')
    assert str(exc_info.value) == snapshot(
        "Cannot parse the docstring of tool function 'broken' as sphinx: Expected one or two arguments for a param keyword."
    )


def test_signature_descriptions_win_over_docstring():
    def book(
        hotel: Annotated[str, Field(description='Hotel id, from search.')],
        nights: int = Field(1, description='Nights to stay.', ge=1),
        guests: int = 2,
        note: str = Field(description='Note for the hotel.'),
    ) -> str:
        """Book a room.

        Args:
            hotel: The hotel.
            nights: How long.
            guests: Number of guests.
            note: A note.
        """
        return hotel

    assert function_schema(book).json_schema == snapshot(
        {
            'type': 'object',
            'properties': {
                'hotel': {'description': 'Hotel id, from search.', 'type': 'string'},
                'nights': {'default': 1, 'description': 'Nights to stay.', 'minimum': 1, 'type': 'integer'},
                'guests': {'default': 2, 'type': 'integer', 'description': 'Number of guests.'},
                'note': {'description': 'Note for the hotel.', 'type': 'string'},
            },
            'required': ['hotel', 'note'],
            'additionalProperties': False,
        }
    )


def test_field_defaults_are_passed_validated():
    def book(hotel: str, nights: int = Field(1, ge=1), tags: list[str] = Field(default_factory=list)) -> str:  # noqa: B008
        return hotel

    schema = function_schema(book)
    assert schema.validate_python({'hotel': 'h'}) == {'hotel': 'h', 'nights': 1, 'tags': []}
    with pytest.raises(ValidationError) as exc_info:
        schema.validate_python({'hotel': 'h', 'nights': 0})
    assert errors(exc_info) == snapshot(
        [
            {
                'type': 'greater_than_equal',
                'loc': ('nights',),
                'msg': 'Input should be greater than or equal to 1',
                'input': 0,
                'ctx': {'ge': 1},
            }
        ]
    )


# --- types ---------------------------------------------------------------------------------


class Author(BaseModel):
    """Who wrote a book."""

    title: str = Field(description='Honorific, e.g. Dr.')
    name: str


class Book(BaseModel):
    title: str
    authors: list[Author] = []
    year: int | None = None


@dataclass
class Shelf:
    """Where a book goes."""

    room: str
    level: int = 0


class Filters(TypedDict):
    title: str
    max_pages: int


class Genre(str, enum.Enum):
    FICTION = 'fiction'
    POETRY = 'poetry'


def add_book(
    book: Book,
    shelf: Shelf,
    filters: Filters,
    genre: Genre,
    condition: Literal['new', 'used'] = 'used',
    note: Optional[str] = None,  # noqa: UP045
    title: str = 'Untitled',
) -> None:
    """Add a book to the library.

    Args:
        book: The book.
        shelf: Where it goes.
        filters: Not really filters.
        genre: Its genre.
        condition: Its condition.
        note: Anything else.
        title: A parameter named title.
    """


def test_nested_types():
    assert function_schema(add_book).json_schema == snapshot(
        {
            'type': 'object',
            'properties': {
                'book': {'$ref': '#/$defs/Book', 'description': 'The book.'},
                'shelf': {'$ref': '#/$defs/Shelf', 'description': 'Where it goes.'},
                'filters': {'$ref': '#/$defs/Filters', 'description': 'Not really filters.'},
                'genre': {'$ref': '#/$defs/Genre', 'description': 'Its genre.'},
                'condition': {
                    'default': 'used',
                    'enum': ['new', 'used'],
                    'type': 'string',
                    'description': 'Its condition.',
                },
                'note': {
                    'anyOf': [{'type': 'string'}, {'type': 'null'}],
                    'default': None,
                    'description': 'Anything else.',
                },
                'title': {'default': 'Untitled', 'type': 'string', 'description': 'A parameter named title.'},
            },
            'required': ['book', 'shelf', 'filters', 'genre'],
            'additionalProperties': False,
            '$defs': {
                'Author': {
                    'description': 'Who wrote a book.',
                    'properties': {
                        'title': {'description': 'Honorific, e.g. Dr.', 'type': 'string'},
                        'name': {'type': 'string'},
                    },
                    'required': ['title', 'name'],
                    'type': 'object',
                },
                'Book': {
                    'properties': {
                        'title': {'type': 'string'},
                        'authors': {'default': [], 'items': {'$ref': '#/$defs/Author'}, 'type': 'array'},
                        'year': {'anyOf': [{'type': 'integer'}, {'type': 'null'}], 'default': None},
                    },
                    'required': ['title'],
                    'type': 'object',
                },
                'Filters': {
                    'additionalProperties': False,
                    'properties': {'title': {'type': 'string'}, 'max_pages': {'type': 'integer'}},
                    'required': ['title', 'max_pages'],
                    'type': 'object',
                },
                'Genre': {'enum': ['fiction', 'poetry'], 'type': 'string'},
                'Shelf': {
                    'additionalProperties': False,
                    'description': 'Where a book goes.',
                    'properties': {'room': {'type': 'string'}, 'level': {'default': 0, 'type': 'integer'}},
                    'required': ['room'],
                    'type': 'object',
                },
            },
        }
    )


def test_nested_types_validate_to_instances():
    schema = function_schema(add_book)
    args = schema.validate_json(
        '{"book": {"title": "Dune", "authors": [{"title": "Mr", "name": "Herbert"}]},'
        ' "shelf": {"room": "attic"}, "filters": {"title": "x", "max_pages": 3}, "genre": "fiction"}'
    )
    assert args == {
        'book': Book(title='Dune', authors=[Author(title='Mr', name='Herbert')]),
        'shelf': Shelf(room='attic'),
        'filters': {'title': 'x', 'max_pages': 3},
        'genre': Genre.FICTION,
        'condition': 'used',
        'note': None,
        'title': 'Untitled',
    }
    assert type(args['book']) is Book
    assert type(args['shelf']) is Shelf
    assert type(args['genre']) is Genre


def test_title_inside_a_default_is_data_not_a_keyword():
    def search(query: dict[str, str] = {'title': 'kept'}) -> None:  # noqa: B006
        pass

    assert function_schema(search).json_schema == snapshot(
        {
            'type': 'object',
            'properties': {
                'query': {'additionalProperties': {'type': 'string'}, 'default': {'title': 'kept'}, 'type': 'object'}
            },
            'additionalProperties': False,
        }
    )


def test_no_parameters():
    def now() -> str:
        """The time."""
        return '12:00'

    schema = function_schema(now)
    assert schema.json_schema == snapshot({'type': 'object', 'properties': {}, 'additionalProperties': False})
    assert schema.validate_json('{}') == {}
    assert schema.validate_json('') == {}
    assert schema.validate_json(b'  ') == {}
    assert schema.validate_python({}) == {}


def test_unannotated_parameters_are_any():
    def echo(value, times: int = 1):  # type: ignore
        return value  # type: ignore

    schema = function_schema(echo)  # pyright: ignore[reportUnknownArgumentType]
    assert schema.json_schema == snapshot(
        {
            'type': 'object',
            'properties': {'value': {}, 'times': {'default': 1, 'type': 'integer'}},
            'required': ['value'],
            'additionalProperties': False,
        }
    )
    assert schema.validate_json('{"value": [1, {"a": null}]}') == {'value': [1, {'a': None}], 'times': 1}


def test_parameter_names_that_clash_with_pydantic():
    def fetch(json: bool, copy: int, schema: str, model_config: str, _private: str = 'p') -> None:
        pass

    fs = function_schema(fetch)
    assert fs.json_schema == snapshot(
        {
            'type': 'object',
            'properties': {
                'json': {'type': 'boolean'},
                'copy': {'type': 'integer'},
                'schema': {'type': 'string'},
                'model_config': {'type': 'string'},
                '_private': {'default': 'p', 'type': 'string'},
            },
            'required': ['json', 'copy', 'schema', 'model_config'],
            'additionalProperties': False,
        }
    )
    assert fs.validate_python({'json': True, 'copy': 2, 'schema': 's', 'model_config': 'm', '_private': 'x'}) == {
        'json': True,
        'copy': 2,
        'schema': 's',
        'model_config': 'm',
        '_private': 'x',
    }
    # The internal field names are not an alternative spelling of the arguments.
    with pytest.raises(ValidationError) as exc_info:
        fs.validate_python({'json': True, 'copy': 2, 'schema': 's', 'model_config': 'm', 'p0': False})
    assert errors(exc_info) == snapshot(
        [{'type': 'extra_forbidden', 'loc': ('p0',), 'msg': 'Extra inputs are not permitted', 'input': False}]
    )


class Connection:
    pass


def test_type_pydantic_cannot_handle():
    def query(conn: Connection) -> None:
        pass

    with pytest.raises(UserError) as exc_info:
        function_schema(query)
    assert str(exc_info.value).startswith(
        "Cannot build the arguments schema of tool function 'query': Unable to generate pydantic-core schema for"
    )


def test_unresolvable_annotation():
    def query(conn: Missing) -> None:  # type: ignore[name-defined]  # noqa: F821
        pass

    with pytest.raises(UserError) as exc_info:
        function_schema(query)  # pyright: ignore[reportUnknownArgumentType]
    assert str(exc_info.value) == snapshot(
        "Cannot resolve the type hints of tool function 'query': name 'Missing' is not defined"
    )


# --- validation ----------------------------------------------------------------------------


def weather(city: str, days: int = 1, units: Literal['C', 'F'] = 'C') -> str:
    return city


def test_validate_json():
    schema = function_schema(weather)
    assert schema.validate_json('{"city": "Oslo"}') == {'city': 'Oslo', 'days': 1, 'units': 'C'}
    assert schema.validate_json(b'{"city": "Oslo", "days": "3", "units": "F"}') == {
        'city': 'Oslo',
        'days': 3,
        'units': 'F',
    }


def test_validate_json_errors():
    schema = function_schema(weather)
    with pytest.raises(ValidationError) as exc_info:
        schema.validate_json('{"days": "many", "units": "K", "country": "NO"}')
    assert errors(exc_info) == snapshot(
        [
            {
                'type': 'missing',
                'loc': ('city',),
                'msg': 'Field required',
                'input': {'days': 'many', 'units': 'K', 'country': 'NO'},
            },
            {
                'type': 'int_parsing',
                'loc': ('days',),
                'msg': 'Input should be a valid integer, unable to parse string as an integer',
                'input': 'many',
            },
            {
                'type': 'literal_error',
                'loc': ('units',),
                'msg': "Input should be 'C' or 'F'",
                'input': 'K',
                'ctx': {'expected': "'C' or 'F'"},
            },
            {'type': 'extra_forbidden', 'loc': ('country',), 'msg': 'Extra inputs are not permitted', 'input': 'NO'},
        ]
    )


def test_validate_json_invalid_json():
    schema = function_schema(weather)
    with pytest.raises(ValidationError) as exc_info:
        schema.validate_json('{"city": "Oslo"')
    assert errors(exc_info) == snapshot(
        [
            {
                'type': 'json_invalid',
                'loc': (),
                'msg': 'Invalid JSON: EOF while parsing an object at line 1 column 15',
                'input': '{"city": "Oslo"',
                'ctx': {'error': 'EOF while parsing an object at line 1 column 15'},
            }
        ]
    )


def test_validate_json_empty_string_is_no_arguments():
    schema = function_schema(weather)
    with pytest.raises(ValidationError) as exc_info:
        schema.validate_json('')
    assert errors(exc_info) == snapshot([{'type': 'missing', 'loc': ('city',), 'msg': 'Field required', 'input': {}}])


def test_validate_json_not_an_object():
    schema = function_schema(weather)
    with pytest.raises(ValidationError) as exc_info:
        schema.validate_json('["Oslo"]')
    assert errors(exc_info) == snapshot(
        [
            {
                'type': 'model_type',
                'loc': (),
                'msg': 'Input should be an object',
                'input': ['Oslo'],
                'ctx': {'class_name': 'weather'},
            }
        ]
    )


def test_validate_python():
    schema = function_schema(weather)
    assert schema.validate_python({'city': 'Oslo', 'days': 2}) == {'city': 'Oslo', 'days': 2, 'units': 'C'}
    mapping: Mapping[str, Any] = MappingProxyType({'city': 'Oslo'})
    assert schema.validate_python(mapping) == {'city': 'Oslo', 'days': 1, 'units': 'C'}


def test_validate_python_errors():
    schema = function_schema(weather)
    with pytest.raises(ValidationError) as exc_info:
        schema.validate_python({'city': 3, 'extra': True})
    assert errors(exc_info) == snapshot(
        [
            {'type': 'string_type', 'loc': ('city',), 'msg': 'Input should be a valid string', 'input': 3},
            {'type': 'extra_forbidden', 'loc': ('extra',), 'msg': 'Extra inputs are not permitted', 'input': True},
        ]
    )


# --- RunContext ----------------------------------------------------------------------------


def with_plain_ctx(ctx: RunContext, city: str) -> str:  # pyright: ignore[reportMissingTypeArgument]
    return city


def with_generic_ctx(ctx: RunContext[int], city: str) -> str:
    return city


def with_quoted_ctx(ctx: 'RunContext[dict[str, int]]', city: str) -> str:  # noqa: UP037
    return city


def without_ctx(city: str) -> str:
    return city


@pytest.mark.parametrize('function', [with_plain_ctx, with_generic_ctx, with_quoted_ctx])
def test_run_context_detected(function: Any):
    schema = function_schema(function)
    assert schema.takes_ctx is True
    assert schema.json_schema == snapshot(
        {
            'type': 'object',
            'properties': {'city': {'type': 'string'}},
            'required': ['city'],
            'additionalProperties': False,
        }
    )
    assert function_schema(function, takes_ctx=True).takes_ctx is True


def test_run_context_not_detected():
    assert function_schema(without_ctx).takes_ctx is False
    assert function_schema(without_ctx, takes_ctx=False).takes_ctx is False


def test_takes_ctx_true_without_run_context():
    with pytest.raises(UserError) as exc_info:
        function_schema(without_ctx, takes_ctx=True)
    assert str(exc_info.value) == snapshot(
        "Tool function 'without_ctx' takes a context (takes_ctx=True), so its first parameter must be RunContext (annotated `RunContext` or `RunContext[DepsT]`)"
    )


def test_takes_ctx_true_without_parameters():
    def now() -> str:
        return '12:00'

    with pytest.raises(UserError, match='first parameter must be RunContext'):
        function_schema(now, takes_ctx=True)


def test_takes_ctx_false_with_run_context():
    with pytest.raises(UserError) as exc_info:
        function_schema(with_generic_ctx, takes_ctx=False)
    assert str(exc_info.value) == snapshot(
        "Tool function 'with_generic_ctx' has RunContext as its first parameter, but takes_ctx=False: register it as a tool that takes a context"
    )


def test_run_context_not_first():
    def late(city: str, ctx: RunContext[int]) -> str:
        return city

    with pytest.raises(UserError) as exc_info:
        function_schema(late)
    assert str(exc_info.value) == snapshot(
        "Tool function 'late': RunContext can only be the first positional parameter, not 'ctx'"
    )


# --- unsupported functions -----------------------------------------------------------------


def test_var_positional():
    def many(*cities: str) -> None:
        pass

    with pytest.raises(UserError) as exc_info:
        function_schema(many)
    assert str(exc_info.value) == snapshot(
        "Tool function 'many': parameter 'cities' collects *args; only named parameters (positional-or-keyword or keyword-only) are allowed, as the model passes arguments by name"
    )


def test_var_keyword():
    def options(city: str, **options: str) -> None:
        pass

    with pytest.raises(UserError) as exc_info:
        function_schema(options)
    assert str(exc_info.value) == snapshot(
        "Tool function 'options': parameter 'options' collects **kwargs; only named parameters (positional-or-keyword or keyword-only) are allowed, as the model passes arguments by name"
    )


def test_positional_only():
    def positional(city: str, /, days: int) -> None:
        pass

    with pytest.raises(UserError) as exc_info:
        function_schema(positional)
    assert str(exc_info.value) == snapshot(
        "Tool function 'positional': parameter 'city' is positional-only; only named parameters (positional-or-keyword or keyword-only) are allowed, as the model passes arguments by name"
    )


def test_positional_only_ctx_is_fine():
    def positional_ctx(ctx: RunContext[None], /, city: str) -> str:
        return city

    assert function_schema(positional_ctx).takes_ctx is True


def test_keyword_only_is_fine():
    def keyword_only(*, city: str) -> str:
        return city

    assert function_schema(keyword_only).json_schema['required'] == ['city']


def test_not_callable():
    with pytest.raises(UserError) as exc_info:
        function_schema('population')  # type: ignore[arg-type]
    assert str(exc_info.value) == snapshot("A tool function must be callable, got str: 'population'")


def test_class():
    with pytest.raises(UserError) as exc_info:
        function_schema(Book)
    assert str(exc_info.value) == snapshot(
        "Tool function 'Book' is a class; pass a function, a bound method or an instance with `__call__`"
    )


def test_signature_cannot_be_read():
    class Opaque:
        __signature__ = 'not a signature'

        def __call__(self, city: str) -> str:
            return city

    with pytest.raises(UserError) as exc_info:
        function_schema(Opaque())
    assert str(exc_info.value) == snapshot(
        "Cannot read the signature of tool function 'Opaque': unexpected object 'not a signature' in __signature__ attribute"
    )


def test_require_parameter_descriptions():
    def documented(city: str, days: Annotated[int, Field(description='Days ahead.')] = 1) -> str:
        """Forecast.

        Args:
            city: The city.
        """
        return city

    schema = function_schema(documented, require_parameter_descriptions=True)
    assert schema.json_schema['properties'] == snapshot(
        {
            'city': {'type': 'string', 'description': 'The city.'},
            'days': {'default': 1, 'description': 'Days ahead.', 'type': 'integer'},
        }
    )


def test_require_parameter_descriptions_missing():
    def undocumented(city: str, days: int = 1) -> str:
        """Forecast.

        Args:
            city: The city.
        """
        return city

    assert 'description' not in function_schema(undocumented).json_schema['properties']['days']
    with pytest.raises(UserError) as exc_info:
        function_schema(undocumented, require_parameter_descriptions=True)
    assert str(exc_info.value) == snapshot(
        "Tool function 'undocumented': parameter 'days' has no description (require_parameter_descriptions=True); describe it in the docstring or with Field(description=...)"
    )


# --- kinds of callables and calling them ---------------------------------------------------


def test_callable_name():
    class Greeter:
        def __call__(self, name: str) -> str:
            return name

        def greet(self, name: str) -> str:
            return name

    assert callable_name(weather) == 'weather'
    assert callable_name(functools.partial(weather, days=2)) == 'weather'
    assert callable_name(Greeter()) == 'Greeter'
    assert callable_name(functools.partial(Greeter(), name='x')) == 'Greeter'
    assert callable_name(Greeter().greet) == 'greet'


def test_partial_keywords_are_not_arguments():
    schema = function_schema(functools.partial(weather, units='F'))
    assert schema.json_schema == snapshot(
        {
            'type': 'object',
            'properties': {'city': {'type': 'string'}, 'days': {'default': 1, 'type': 'integer'}},
            'required': ['city'],
            'additionalProperties': False,
        }
    )
    with pytest.raises(ValidationError) as exc_info:
        schema.validate_python({'city': 'Oslo', 'units': 'C'})
    assert errors(exc_info)[0]['type'] == 'extra_forbidden'


def test_partial_positional_arguments():
    schema = function_schema(functools.partial(weather, 'Oslo'))
    assert schema.json_schema == snapshot(
        {
            'type': 'object',
            'properties': {
                'days': {'default': 1, 'type': 'integer'},
                'units': {'default': 'C', 'enum': ['C', 'F'], 'type': 'string'},
            },
            'additionalProperties': False,
        }
    )


class Forecaster:
    """Weather forecasts."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def forecast(self, city: str, days: int = 1) -> str:
        """Forecast for a city.

        Args:
            city: The city.
            days: Days ahead.
        """
        self.threads.append(threading.get_ident())
        return f'{city} in {days} days: sun'

    def __call__(self, city: str) -> str:
        self.threads.append(threading.get_ident())
        return f'{city}: rain'


class AsyncForecaster:
    async def __call__(self, ctx: RunContext[str], city: str) -> str:
        """Forecast, asynchronously.

        Args:
            ctx: The run context.
            city: The city.
        """
        return f'{ctx.deps} {city}: snow'


async def test_call_sync_function_runs_in_worker_thread():
    threads: list[int] = []

    def forecast(city: str, days: int = 1) -> str:
        threads.append(threading.get_ident())
        return f'{city} in {days} days: sun'

    schema = function_schema(forecast)
    assert schema.is_async is False
    assert await schema.call(schema.validate_json('{"city": "Oslo"}'), None) == 'Oslo in 1 days: sun'
    assert threads and threads[0] != threading.get_ident()


async def test_call_async_function_runs_on_event_loop():
    threads: list[int] = []

    async def forecast(city: str) -> str:
        threads.append(threading.get_ident())
        return f'{city}: fog'

    schema = function_schema(forecast)
    assert schema.is_async is True
    assert await schema.call({'city': 'Oslo'}, None) == 'Oslo: fog'
    assert threads == [threading.get_ident()]


async def test_call_with_ctx():
    seen: list[Any] = []

    def forecast(ctx: RunContext[str], city: str) -> str:
        seen.append(ctx)
        return f'{ctx.deps} {city}'

    ctx = RunContext[str](deps='deps', model=None, usage=None)  # type: ignore[arg-type]
    schema = function_schema(forecast)
    assert await schema.call({'city': 'Oslo'}, ctx) == 'deps Oslo'
    assert seen == [ctx]


async def test_call_partial():
    schema = function_schema(functools.partial(weather, units='F'))
    assert schema.is_async is False
    assert await schema.call(schema.validate_json('{"city": "Oslo"}'), None) == 'Oslo'


async def test_call_async_partial():
    async def forecast(city: str, days: int) -> str:
        return f'{city} {days}'

    schema = function_schema(functools.partial(forecast, days=3))
    assert schema.is_async is True
    assert await schema.call({'city': 'Oslo'}, None) == 'Oslo 3'


async def test_call_bound_method():
    forecaster = Forecaster()
    schema = function_schema(forecaster.forecast)
    assert schema.description == 'Forecast for a city.'
    assert schema.json_schema == snapshot(
        {
            'type': 'object',
            'properties': {
                'city': {'type': 'string', 'description': 'The city.'},
                'days': {'default': 1, 'type': 'integer', 'description': 'Days ahead.'},
            },
            'required': ['city'],
            'additionalProperties': False,
        }
    )
    assert await schema.call({'city': 'Oslo', 'days': 2}, None) == 'Oslo in 2 days: sun'
    assert forecaster.threads and forecaster.threads[0] != threading.get_ident()


async def test_call_callable_object():
    forecaster = Forecaster()
    schema = function_schema(forecaster)
    # `__call__` has no docstring, so the class's describes the tool.
    assert schema.description == 'Weather forecasts.'
    assert schema.is_async is False
    assert schema.json_schema == snapshot(
        {
            'type': 'object',
            'properties': {'city': {'type': 'string'}},
            'required': ['city'],
            'additionalProperties': False,
        }
    )
    assert await schema.call({'city': 'Oslo'}, None) == 'Oslo: rain'
    assert forecaster.threads and forecaster.threads[0] != threading.get_ident()


async def test_call_async_callable_object_with_ctx():
    schema = function_schema(AsyncForecaster())
    assert schema.description == 'Forecast, asynchronously.'
    assert schema.takes_ctx is True
    assert schema.is_async is True
    assert schema.json_schema == snapshot(
        {
            'type': 'object',
            'properties': {'city': {'type': 'string', 'description': 'The city.'}},
            'required': ['city'],
            'additionalProperties': False,
        }
    )
    ctx = RunContext[str](deps='deps', model=None, usage=None)  # type: ignore[arg-type]
    assert await schema.call({'city': 'Oslo'}, ctx) == 'deps Oslo: snow'


def test_function_schema_repr_hides_internals():
    schema = function_schema(without_ctx)
    assert isinstance(schema, FunctionSchema)
    assert repr(schema).startswith('FunctionSchema(function=<function without_ctx')
    assert '_args_model' not in repr(schema)
