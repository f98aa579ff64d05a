"""`python -m pydantic_ai_groq`: the `pydantic-ai-groq` command."""

from .cli import main

if __name__ == '__main__':
    raise SystemExit(main())
