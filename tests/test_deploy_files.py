"""The deployment files are checked statically here (no Docker engine on these machines); the commands they run
are exercised against real servers in test_chroma_server.py and the Slack and admin tests."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.settings_docs import COMPOSE_ONLY, configuration_table, env_example, known_variables

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_defines_the_full_stack() -> None:
    services = _compose()["services"]
    assert set(services) == {"chroma", "postgres", "ingest", "bot", "admin", "ollama"}
    assert services["ollama"]["profiles"] == ["local-llm"]
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["chroma"]
    assert any(v.endswith(":/data") for v in services["chroma"]["volumes"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    assert services["ingest"]["restart"] == "no"
    assert services["bot"]["command"] == ["serve", "--ops-port", "9100"]
    assert "9100/readyz" in " ".join(services["bot"]["healthcheck"]["test"])
    assert services["admin"]["command"][0] == "admin"
    assert services["bot"]["depends_on"]["ingest"]["condition"] == "service_completed_successfully"
    ingest_paths = services["ingest"]["command"][1:]
    assert "/app/corpus/documents" in ingest_paths and "/trainer-docs" in ingest_paths


def test_every_variable_compose_sets_is_a_known_setting() -> None:
    known = known_variables()
    for name, service in _compose()["services"].items():
        for variable in service.get("environment", {}) or {}:
            if variable.startswith(("DUALUSE_", "SLACK_", "OPENAI_")):
                assert variable in known, f"{name} sets {variable}, which the settings object does not know"
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for variable in set(re.findall(r"\$\{([A-Z_]+)", text)):
        assert variable in known or variable in COMPOSE_ONLY, variable


def test_env_example_and_readme_table_are_generated_from_the_settings() -> None:
    assert (ROOT / ".env.example").read_text(encoding="utf-8").strip() == env_example().strip(), (
        "regenerate with: python -m bot.settings_docs env > .env.example"
    )
    assert configuration_table() in (ROOT / "README.md").read_text(encoding="utf-8"), (
        "regenerate the README table with: python -m bot.settings_docs table"
    )


def test_dockerfile_runs_as_a_non_root_user_without_build_tools() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    final_stage = text.split("\nFROM ")[-1]
    assert re.search(r"^USER (?!root)\w+", final_stage, re.M)
    assert "build-essential" not in final_stage and "gcc" not in final_stage
    assert 'ENTRYPOINT ["dualuse"]' in final_stage
