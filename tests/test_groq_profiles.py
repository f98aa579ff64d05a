"""The model-family table: which profile each model gets, and the reasoning settings it accepts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from inline_snapshot import snapshot

from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.models.groq._catalogue import KNOWN_MODELS, SHUT_DOWN
from pydantic_ai_groq.models.groq._profiles import (
    BUILTIN_TOOL_KINDS,
    OTHER,
    PROFILES,
    REASONING_EFFORTS,
    REASONING_FORMATS,
    RULE_EVIDENCE,
    check_reasoning_settings,
    profile_for,
)
from pydantic_ai_groq.testing import DEFAULT_MODELS


def test_every_known_model_has_a_family():
    assert {name: profile_for(name).family for name in KNOWN_MODELS} == snapshot(
        {
            'llama-3.1-8b-instant': 'llama',
            'llama-3.3-70b-versatile': 'llama',
            'openai/gpt-oss-120b': 'gpt-oss',
            'openai/gpt-oss-20b': 'gpt-oss',
            'whisper-large-v3': 'audio',
            'whisper-large-v3-turbo': 'audio',
            'groq/compound': 'compound',
            'groq/compound-mini': 'compound',
            'canopylabs/orpheus-arabic-saudi': 'audio',
            'canopylabs/orpheus-v1-english': 'audio',
            'meta-llama/llama-prompt-guard-2-22m': 'guard',
            'meta-llama/llama-prompt-guard-2-86m': 'guard',
            'minimaxai/minimax-m2.7': 'minimax',
            'openai/gpt-oss-safeguard-20b': 'gpt-oss',
            'qwen/qwen3.6-27b': 'qwen3',
            'qwen/qwen3.8-27b': 'qwen3',
        }
    )


def test_shut_down_models_keep_their_family():
    # A history or a setting may still name them; the error for them should be about the shutdown.
    families = {name: profile_for(name).family for name in SHUT_DOWN if name not in KNOWN_MODELS}
    assert families == snapshot(
        {
            'qwen/qwen3-32b': 'qwen3',
            'meta-llama/llama-4-scout-17b-16e-instruct': 'llama-4',
            'moonshotai/kimi-k2-instruct-0905': 'kimi',
            'meta-llama/llama-4-maverick-17b-128e-instruct': 'llama-4',
            'meta-llama/llama-guard-4-12b': 'guard',
            'playai-tts': 'audio',
            'playai-tts-arabic': 'audio',
            'moonshotai/kimi-k2-instruct': 'kimi',
            'gemma2-9b-it': 'other',
            'deepseek-r1-distill-llama-70b': 'deepseek-r1',
            'llama3-70b-8192': 'llama',
            'llama3-8b-8192': 'llama',
            'distil-whisper-large-v3-en': 'audio',
            'mistral-saba-24b': 'other',
            'qwen-qwq-32b': 'other',
            'llama-guard-3-8b': 'guard',
            'llama-3.2-1b-preview': 'llama',
            'llama-3.2-3b-preview': 'llama',
            'llama-3.2-11b-vision-preview': 'llama',
            'llama-3.2-90b-vision-preview': 'llama',
            'deepseek-r1-distill-qwen-32b': 'deepseek-r1',
            'qwen-2.5-32b': 'other',
            'qwen-2.5-coder-32b': 'other',
            'llama-3.3-70b-specdec': 'llama',
            'deepseek-r1-distill-llama-70b-specdec': 'deepseek-r1',
            'mixtral-8x7b-32768': 'other',
            'llama-3.1-70b-versatile': 'llama',
            'llama-3.1-70b-specdec': 'llama',
            'llama3-groq-8b-8192-tool-use-preview': 'llama',
            'llama3-groq-70b-8192-tool-use-preview': 'llama',
            'gemma-7b-it': 'other',
            'llama-3.2-90b-text-preview': 'llama',
            'llava-v1.5-7b-4096-preview': 'other',
            'llama-3.2-11b-text-preview': 'llama',
        }
    )


def test_every_table_row_is_reached():
    names = [*KNOWN_MODELS, *SHUT_DOWN, *(card.id for card in DEFAULT_MODELS)]
    used = {id(profile_for(name)) for name in names}
    assert all(id(profile) in used for _, profile in PROFILES)


def test_capabilities_of_current_chat_models():
    rows = {
        name: (
            profile.reasoning,
            sorted(profile.reasoning_formats),
            dict(profile.reasoning_efforts),
            profile.include_reasoning,
            profile.json_schema,
            profile.strict_json_schema,
            profile.vision,
            sorted(profile.builtin_tools),
            profile.thinking_round_trip,
        )
        for name in (
            'openai/gpt-oss-120b',
            'openai/gpt-oss-safeguard-20b',
            'qwen/qwen3.8-27b',
            'qwen/qwen3.6-27b',
            'qwen/qwen3-32b',
            'minimaxai/minimax-m2.7',
            'deepseek-r1-distill-llama-70b',
            'meta-llama/llama-4-scout-17b-16e-instruct',
            'meta-llama/llama-guard-4-12b',
            'llama-3.3-70b-versatile',
            'moonshotai/kimi-k2-instruct-0905',
            'groq/compound',
            'some-new/model-9000',
        )
        if (profile := profile_for(name))
    }
    assert rows == snapshot(
        {
            'openai/gpt-oss-120b': (
                True,
                ['hidden', 'parsed', 'raw'],
                {'low': 'low', 'medium': 'medium', 'high': 'high', 'default': None},
                True,
                True,
                True,
                False,
                ['browser_search', 'code_execution', 'mcp'],
                'reasoning_field',
            ),
            'openai/gpt-oss-safeguard-20b': (
                True,
                ['hidden', 'parsed', 'raw'],
                {'low': 'low', 'medium': 'medium', 'high': 'high', 'default': None},
                True,
                True,
                False,
                False,
                ['browser_search', 'mcp'],
                'reasoning_field',
            ),
            'qwen/qwen3.8-27b': (
                True,
                ['hidden', 'parsed', 'raw'],
                {'none': 'none', 'default': 'default', 'low': 'low', 'medium': 'medium', 'high': 'high'},
                True,
                False,
                False,
                True,
                ['mcp'],
                'reasoning_field',
            ),
            'qwen/qwen3.6-27b': (
                True,
                ['hidden', 'parsed', 'raw'],
                {'none': 'none', 'default': 'default'},
                True,
                False,
                False,
                True,
                ['mcp'],
                'reasoning_field',
            ),
            'qwen/qwen3-32b': (
                True,
                ['hidden', 'parsed', 'raw'],
                {'none': 'none', 'default': 'default'},
                True,
                False,
                False,
                False,
                ['mcp'],
                'reasoning_field',
            ),
            'minimaxai/minimax-m2.7': (
                True,
                ['hidden', 'parsed', 'raw'],
                {'none': 'none', 'default': 'default', 'low': 'low', 'medium': 'medium', 'high': 'high'},
                True,
                False,
                False,
                False,
                ['mcp'],
                'reasoning_field',
            ),
            'deepseek-r1-distill-llama-70b': (
                True,
                ['hidden', 'parsed', 'raw'],
                {'none': 'none', 'default': 'default', 'low': 'low', 'medium': 'medium', 'high': 'high'},
                True,
                False,
                False,
                False,
                ['mcp'],
                'think_tags',
            ),
            'meta-llama/llama-4-scout-17b-16e-instruct': (
                False,
                [],
                {'none': None, 'default': None},
                False,
                True,
                False,
                True,
                ['mcp'],
                'drop',
            ),
            'meta-llama/llama-guard-4-12b': (
                False,
                [],
                {'none': None, 'default': None},
                False,
                False,
                False,
                True,
                [],
                'drop',
            ),
            'llama-3.3-70b-versatile': (
                False,
                [],
                {'none': None, 'default': None},
                False,
                False,
                False,
                False,
                ['mcp'],
                'drop',
            ),
            'moonshotai/kimi-k2-instruct-0905': (
                False,
                [],
                {'none': None, 'default': None},
                False,
                True,
                False,
                False,
                ['mcp'],
                'drop',
            ),
            'groq/compound': (
                False,
                [],
                {'none': None, 'default': None},
                False,
                False,
                False,
                False,
                ['browser_automation', 'code_execution', 'visit_website', 'web_search', 'wolfram_alpha'],
                'drop',
            ),
            'some-new/model-9000': (
                False,
                ['hidden', 'parsed', 'raw'],
                {'none': 'none', 'default': 'default', 'low': 'low', 'medium': 'medium', 'high': 'high'},
                True,
                True,
                False,
                True,
                [],
                'drop',
            ),
        }
    )


def test_table_invariants():
    for _, profile in PROFILES:
        assert profile.builtin_tools <= BUILTIN_TOOL_KINDS
        assert profile.reasoning_formats <= set(REASONING_FORMATS)
        assert set(profile.reasoning_efforts) <= set(REASONING_EFFORTS)
        # 'default' always means "the model's default", so every model accepts it.
        assert 'default' in profile.reasoning_efforts
        # Only reasoning models get thinking sent back; a `reasoning` field is a 400 elsewhere.
        assert (profile.thinking_round_trip != 'drop') == profile.reasoning
        assert not profile.strict_json_schema or profile.json_schema
    assert profile_for('unknown-model') is OTHER


def test_matching_ignores_case_and_is_cached():
    assert profile_for('OpenAI/GPT-OSS-120B').family == 'gpt-oss'
    assert profile_for('openai/gpt-oss-120b') is profile_for('openai/gpt-oss-120b')


@pytest.mark.parametrize(
    ('model', 'settings', 'body'),
    [
        ('openai/gpt-oss-120b', {}, {}),
        ('openai/gpt-oss-120b', {'temperature': 0.5, 'max_tokens': 10}, {}),
        ('openai/gpt-oss-120b', {'groq_reasoning_effort': 'low'}, {'reasoning_effort': 'low'}),
        ('openai/gpt-oss-120b', {'groq_reasoning_effort': 'high'}, {'reasoning_effort': 'high'}),
        ('openai/gpt-oss-120b', {'groq_reasoning_effort': 'default'}, {}),
        ('openai/gpt-oss-20b', {'groq_include_reasoning': False}, {'include_reasoning': False}),
        (
            'openai/gpt-oss-safeguard-20b',
            {'groq_include_reasoning': True, 'groq_reasoning_effort': 'medium'},
            {'include_reasoning': True, 'reasoning_effort': 'medium'},
        ),
        ('qwen/qwen3.8-27b', {'groq_reasoning_effort': 'low'}, {'reasoning_effort': 'low'}),
        ('qwen/qwen3.8-27b', {'groq_reasoning_effort': 'none'}, {'reasoning_effort': 'none'}),
        (
            'qwen/qwen3.8-27b',
            {'groq_reasoning_format': 'parsed', 'groq_reasoning_effort': 'default'},
            {'reasoning_format': 'parsed', 'reasoning_effort': 'default'},
        ),
        ('qwen/qwen3.6-27b', {'groq_reasoning_format': 'raw'}, {'reasoning_format': 'raw'}),
        ('qwen/qwen3-32b', {'groq_reasoning_effort': 'none'}, {'reasoning_effort': 'none'}),
        ('qwen/qwen3-32b', {'groq_include_reasoning': True}, {'include_reasoning': True}),
        ('minimaxai/minimax-m2.7', {'groq_reasoning_format': 'hidden'}, {'reasoning_format': 'hidden'}),
        ('minimaxai/minimax-m2.7', {'groq_reasoning_effort': 'default'}, {'reasoning_effort': 'default'}),
        ('deepseek-r1-distill-llama-70b', {'groq_reasoning_format': 'parsed'}, {'reasoning_format': 'parsed'}),
        ('llama-3.3-70b-versatile', {'groq_reasoning_effort': 'none'}, {}),
        ('llama-3.3-70b-versatile', {'groq_reasoning_effort': 'default'}, {}),
        ('groq/compound', {'groq_reasoning_effort': 'none'}, {}),
        # Models the table does not know: what the caller set goes to Groq as it is.
        (
            'some-new/model-9000',
            {'groq_reasoning_format': 'hidden', 'groq_reasoning_effort': 'medium'},
            {'reasoning_format': 'hidden', 'reasoning_effort': 'medium'},
        ),
        ('some-new/model-9000', {'groq_include_reasoning': True}, {'include_reasoning': True}),
        ('some-new/model-9000', {'groq_reasoning_effort': 'default'}, {'reasoning_effort': 'default'}),
    ],
)
def test_reasoning_settings_become_body_fields(model: str, settings: dict[str, Any], body: dict[str, Any]):
    assert check_reasoning_settings(model, settings) == body


def test_raw_is_fine_without_tools_or_json():
    assert check_reasoning_settings('qwen/qwen3.8-27b', {'groq_reasoning_format': 'raw'}, with_tools_or_json=False) == {
        'reasoning_format': 'raw'
    }
    assert check_reasoning_settings(
        'qwen/qwen3.8-27b', {'groq_reasoning_format': 'parsed'}, with_tools_or_json=True
    ) == {'reasoning_format': 'parsed'}


def _error(model: str, settings: dict[str, Any], **kwargs: Any) -> str:
    with pytest.raises(UserError) as exc_info:
        check_reasoning_settings(model, settings, **kwargs)
    return str(exc_info.value)


def test_reasoning_format_errors():
    assert _error('llama-3.3-70b-versatile', {'groq_reasoning_format': 'parsed'}) == snapshot(
        'groq_reasoning_format=\'parsed\' is not accepted by llama-3.3-70b-versatile (llama family): Groq answers 400 "reasoning_format is not supported with this model"; the model does not reason, leave groq_reasoning_format unset.'
    )
    assert _error('qwen/qwen3.8-27b', {'groq_reasoning_format': 'json'}) == snapshot(
        "groq_reasoning_format='json' is not accepted by qwen/qwen3.8-27b (qwen3 family): it takes 'hidden', 'parsed' or 'raw'."
    )
    assert _error('some-new/model-9000', {'groq_reasoning_format': 'json'}) == snapshot(
        "groq_reasoning_format='json' is not accepted by some-new/model-9000 (other family): it takes 'hidden', 'parsed' or 'raw'."
    )
    assert _error('qwen/qwen3.8-27b', {'groq_reasoning_format': 'raw'}, with_tools_or_json=True) == snapshot(
        "groq_reasoning_format='raw' cannot be used with tools or JSON output on qwen/qwen3.8-27b: Groq rejects it with a 400 (https://console.groq.com/docs/reasoning); use 'parsed' or 'hidden'."
    )
    assert _error('openai/gpt-oss-120b', {'groq_reasoning_format': 'raw'}, with_tools_or_json=True) == snapshot(
        "groq_reasoning_format='raw' cannot be used with tools or JSON output on openai/gpt-oss-120b: Groq rejects it with a 400 (https://console.groq.com/docs/reasoning); use 'parsed' or 'hidden'."
    )


def test_what_groq_is_not_known_to_reject_is_sent():
    # Recorded: Groq answered 200 with a reasoning field to reasoning_effort high + reasoning_format parsed.
    assert check_reasoning_settings(
        'openai/gpt-oss-120b', {'groq_reasoning_format': 'parsed', 'groq_reasoning_effort': 'high'}
    ) == {'reasoning_format': 'parsed', 'reasoning_effort': 'high'}
    assert check_reasoning_settings('openai/gpt-oss-20b', {'groq_reasoning_format': 'hidden'}) == {
        'reasoning_format': 'hidden'
    }
    # No recorded rejection of include_reasoning, nor of any effort on minimax or deepseek-r1.
    assert check_reasoning_settings('llama-3.3-70b-versatile', {'groq_include_reasoning': True}) == {
        'include_reasoning': True
    }
    assert check_reasoning_settings('deepseek-r1-distill-llama-70b', {'groq_include_reasoning': False}) == {
        'include_reasoning': False
    }
    assert check_reasoning_settings('minimaxai/minimax-m2.7', {'groq_reasoning_effort': 'medium'}) == {
        'reasoning_effort': 'medium'
    }


def test_include_reasoning_must_be_a_bool():
    assert _error('openai/gpt-oss-120b', {'groq_include_reasoning': 'yes'}) == snapshot(
        "groq_include_reasoning must be True or False, got 'yes'."
    )


def test_reasoning_format_and_include_reasoning_together():
    assert _error('qwen/qwen3.8-27b', {'groq_reasoning_format': 'parsed', 'groq_include_reasoning': True}) == snapshot(
        "groq_reasoning_format='parsed' and groq_include_reasoning=True cannot be used together: Groq rejects the pair (https://console.groq.com/docs/reasoning). Set only one of them for qwen/qwen3.8-27b."
    )
    assert _error(
        'openai/gpt-oss-120b', {'groq_reasoning_format': 'hidden', 'groq_include_reasoning': False}
    ) == snapshot(
        "groq_reasoning_format='hidden' and groq_include_reasoning=False cannot be used together: Groq rejects the pair (https://console.groq.com/docs/reasoning). Set only one of them for openai/gpt-oss-120b."
    )


def test_reasoning_effort_errors():
    assert _error('openai/gpt-oss-120b', {'groq_reasoning_effort': 'none'}) == snapshot(
        "groq_reasoning_effort='none' is not accepted by openai/gpt-oss-120b (gpt-oss family): the model cannot stop reasoning; it takes 'low', 'medium', 'high' or 'default', and groq_include_reasoning=False leaves the reasoning out."
    )
    assert _error('qwen/qwen3-32b', {'groq_reasoning_effort': 'low'}) == snapshot(
        "groq_reasoning_effort='low' is not accepted by qwen/qwen3-32b (qwen3 family): it takes 'none' or 'default'."
    )
    assert _error('qwen/qwen3.6-27b', {'groq_reasoning_effort': 'high'}) == snapshot(
        "groq_reasoning_effort='high' is not accepted by qwen/qwen3.6-27b (qwen3 family): it takes 'none' or 'default'."
    )
    assert _error('llama-3.3-70b-versatile', {'groq_reasoning_effort': 'high'}) == snapshot(
        "groq_reasoning_effort='high' is not accepted by llama-3.3-70b-versatile (llama family): Groq answers 400 for reasoning_effort on models that do not reason; it takes 'none' or 'default', and nothing is sent."
    )
    assert _error('llama-3.3-70b-versatile', {'groq_reasoning_effort': 'max'}) == snapshot(
        "groq_reasoning_effort='max' is not accepted by llama-3.3-70b-versatile (llama family): it takes 'none' or 'default'."
    )
    assert _error('some-new/model-9000', {'groq_reasoning_effort': 'max'}) == snapshot(
        "groq_reasoning_effort='max' is not accepted by some-new/model-9000 (other family): it takes 'none', 'default', 'low', 'medium' or 'high'."
    )


def test_every_rule_cites_evidence_and_the_docs_list_it():
    root = Path(__file__).parent.parent
    fixtures = {path.name for path in (root / 'tests' / 'fixtures' / 'wire_samples').glob('*.json')}
    docs = (root / 'docs' / 'groq.md').read_text()
    table = docs[docs.index('| rule | evidence |') :].split('\n\n', 1)[0].splitlines()[2:]
    assert len(table) == len(RULE_EVIDENCE)
    for (rule, evidence), row in zip(RULE_EVIDENCE, table, strict=True):
        cited_files = set(re.findall(r'[\w-]+\.json', evidence))
        cited_urls = set(re.findall(r'https://[\w./-]+', evidence))
        assert cited_files <= fixtures, rule
        assert (
            cited_files
            or cited_urls
            or 'Groq error' in evidence
            or 'Groq (' in evidence
            or evidence.startswith('groq SDK')
            or (evidence == 'no recorded rejection' and ': sent as given' in rule)
        ), rule
        assert all(name in row for name in cited_files | cited_urls), rule
