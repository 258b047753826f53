"""Slack's Block Kit limits, checked the way Slack checks them: a payload that breaks one is rejected.

The emulator runs every message, view and response_url payload through :func:`message_problems` or
:func:`view_problems` and answers ``invalid_blocks`` (or ``invalid_arguments`` for views) when the list is not empty,
as Slack does. Limits from the Block Kit reference (api.slack.com/reference/block-kit): 50 blocks per message, 100 per
view; block_id unique per message or view and at most 255 characters; action_id unique within its block; 3,000
characters per text object; context elements at most 10; button text at most 75; modal title, submit and close at most
24; plain_text where Slack requires it.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 3000
MAX_ID = 255
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_MODAL_TITLE = 24
MAX_HEADER = 150
MAX_LABEL = 2000
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_PRIVATE_METADATA = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MESSAGE_BLOCKS = {"section", "context", "actions", "divider", "header", "image", "rich_text", "markdown"}
VIEW_BLOCKS = MESSAGE_BLOCKS | {"input"}


def message_problems(blocks: Any) -> list[str]:
    """What Slack would reject in a message's ``blocks`` (empty: accepted)."""
    if blocks in (None, ""):
        return []
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    problems = [] if len(blocks) <= MAX_MESSAGE_BLOCKS else [f"{len(blocks)} blocks, over {MAX_MESSAGE_BLOCKS}"]
    return problems + _blocks(blocks, MESSAGE_BLOCKS)


def view_problems(view: Any) -> list[str]:
    """What Slack would reject in a modal or home view."""
    if not isinstance(view, dict):
        return ["view must be an object"]
    problems: list[str] = []
    blocks = view.get("blocks") or []
    if len(blocks) > MAX_VIEW_BLOCKS:
        problems.append(f"{len(blocks)} blocks, over {MAX_VIEW_BLOCKS}")
    if view.get("type") == "modal":
        problems += _plain(view.get("title"), "view.title", MAX_MODAL_TITLE, required=True)
        for key in ("submit", "close"):
            if key in view:
                problems += _plain(view[key], f"view.{key}", MAX_MODAL_TITLE, required=True)
        if any(b.get("type") == "input" for b in blocks) and "submit" not in view:
            problems.append("a modal with input blocks needs a submit button")
    elif view.get("type") != "home":
        problems.append(f"unknown view type {view.get('type')!r}")
    if len(str(view.get("private_metadata") or "")) > MAX_PRIVATE_METADATA:
        problems.append("private_metadata over 3000 characters")
    if len(str(view.get("callback_id") or "")) > MAX_ID:
        problems.append("callback_id over 255 characters")
    return problems + _blocks(blocks, VIEW_BLOCKS)


def _blocks(blocks: list[Any], allowed: set[str]) -> list[str]:
    problems: list[str] = []
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"blocks[{i}]"
        if not isinstance(block, dict):
            problems.append(f"{where} is not an object")
            continue
        kind = block.get("type")
        if kind not in allowed:
            problems.append(f"{where}: block type {kind!r} is not allowed here")
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id or len(block_id) > MAX_ID:
                problems.append(f"{where}.block_id must be 1-255 characters")
            elif block_id in block_ids:
                problems.append(f"{where}.block_id {block_id!r} is not unique")
            block_ids.add(str(block_id))
        problems += _block(block, where)
    return problems


def _block(block: dict[str, Any], where: str) -> list[str]:
    kind = block.get("type")
    problems: list[str] = []
    if kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"{where}: a section needs text or fields")
        if "text" in block:
            problems += _text(block["text"], f"{where}.text", MAX_TEXT)
        fields = block.get("fields") or []
        if len(fields) > MAX_SECTION_FIELDS:
            problems.append(f"{where}: more than {MAX_SECTION_FIELDS} fields")
        for j, item in enumerate(fields):
            problems += _text(item, f"{where}.fields[{j}]", MAX_FIELD_TEXT)
        if "accessory" in block:
            problems += _element(block["accessory"], f"{where}.accessory")
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements or len(elements) > MAX_CONTEXT_ELEMENTS:
            problems.append(f"{where}: a context needs 1-{MAX_CONTEXT_ELEMENTS} elements, has {len(elements)}")
        for j, element in enumerate(elements):
            if isinstance(element, dict) and element.get("type") == "image":
                continue
            problems += _text(element, f"{where}.elements[{j}]", MAX_TEXT)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > MAX_ACTION_ELEMENTS:
            problems.append(f"{where}: an actions block needs 1-{MAX_ACTION_ELEMENTS} elements")
        seen: set[str] = set()
        for j, element in enumerate(elements):
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if action_id is not None and action_id in seen:
                problems.append(f"{where}.elements[{j}]: action_id {action_id!r} is used twice in one block")
            if action_id is not None:
                seen.add(action_id)
            problems += _element(element, f"{where}.elements[{j}]")
    elif kind == "header":
        problems += _plain(block.get("text"), f"{where}.text", MAX_HEADER, required=True)
    elif kind == "input":
        problems += _plain(block.get("label"), f"{where}.label", MAX_LABEL, required=True)
        if "hint" in block:
            problems += _plain(block["hint"], f"{where}.hint", MAX_LABEL, required=True)
        problems += _element(block.get("element"), f"{where}.element")
    return problems


def _element(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict):
        return [f"{where} is not an object"]
    problems: list[str] = []
    if len(str(element.get("action_id") or "")) > MAX_ID:
        problems.append(f"{where}.action_id over 255 characters")
    kind = element.get("type")
    if kind == "button":
        problems += _plain(element.get("text"), f"{where}.text", MAX_BUTTON_TEXT, required=True)
        if len(str(element.get("value") or "")) > MAX_BUTTON_VALUE:
            problems.append(f"{where}.value over {MAX_BUTTON_VALUE} characters")
        if len(str(element.get("url") or "")) > MAX_TEXT:
            problems.append(f"{where}.url over 3000 characters")
        if element.get("style") not in (None, "primary", "danger"):
            problems.append(f"{where}.style must be primary or danger")
    elif kind == "plain_text_input":
        limit = element.get("max_length", MAX_TEXT)
        if not isinstance(limit, int) or not 1 <= limit <= MAX_TEXT:
            problems.append(f"{where}.max_length must be 1-3000")
            limit = MAX_TEXT
        if len(str(element.get("initial_value") or "")) > limit:
            problems.append(f"{where}.initial_value is longer than max_length ({limit})")
        if "placeholder" in element:
            problems += _plain(element["placeholder"], f"{where}.placeholder", 150, required=True)
    elif kind == "static_select":
        options = element.get("options") or []
        if not options or len(options) > 100:
            problems.append(f"{where}: a select needs 1-100 options")
        for j, option in enumerate([*options, *([element["initial_option"]] if "initial_option" in element else [])]):
            problems += _plain(option.get("text"), f"{where}.options[{j}].text", MAX_OPTION_TEXT, required=True)
            if len(str(option.get("value") or "")) > MAX_OPTION_VALUE:
                problems.append(f"{where}.options[{j}].value over {MAX_OPTION_VALUE} characters")
    return problems


def _text(obj: Any, where: str, limit: int) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("mrkdwn", "plain_text"):
        return [f"{where} must be a text object"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"{where}.text must be a non-empty string"]
    if len(text) > limit:
        return [f"{where}.text is {len(text)} characters, over {limit}"]
    return []


def _plain(obj: Any, where: str, limit: int, *, required: bool) -> list[str]:
    if obj is None:
        return [f"{where} is required"] if required else []
    if not isinstance(obj, dict) or obj.get("type") != "plain_text":
        return [f"{where} must be plain_text"]
    return _text(obj, where, limit)
