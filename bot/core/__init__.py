"""The answering core: retrieval, composition, verification, the misuse guard and the LLM adapter.

Plain Python over plain dataclasses: it imports nothing from Slack, the web framework, the command line, the
answer log or the application layer (import contracts in pyproject.toml). ``engine.AnswerEngine`` is its entry
point; ``answers`` holds the vocabulary every surface renders.
"""
