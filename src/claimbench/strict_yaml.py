"""A strict YAML reader for parameters: PyYAML's safe loader without its surprises.

Refused, with the line where it happens: aliases and anchors (`*a`, `&a`: a few lines can expand
to gigabytes), merge keys (`<<`), duplicate keys (YAML would silently keep the last), nesting
deeper than MAX_DEPTH (deep recursion), and numbers longer than MAX_NUMBER_CHARS (Python refuses
to parse ints of more than 4300 digits). Mappings come back as `Mapping` (a dict) that also
remembers the line of each key, so a bad value can be traced to `params.yaml line N`.
"""
from __future__ import annotations

import yaml

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 64


class StrictYAMLError(ValueError):
    """Input the strict loader refuses; `line` is 1-based (None when unknown)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


class Mapping(dict):
    """A YAML mapping that remembers the 1-based line of each of its keys."""

    lines: dict

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = {}


def _line(node_or_event) -> int:
    return node_or_event.start_mark.line + 1


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, merge keys, duplicate keys, deep nesting and huge numbers."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise StrictYAMLError("aliases (*name) are not allowed", _line(self.peek_event()))
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise StrictYAMLError(f"anchors (&{event.anchor[:40]}) are not allowed", _line(event))
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise StrictYAMLError(f"nested deeper than {MAX_DEPTH} levels", _line(event))
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        lines = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise StrictYAMLError("merge keys (<<) are not allowed", _line(key_node))
            key = self.construct_object(key_node, deep=True)
            try:
                first = lines.get(key)
            except TypeError:
                raise StrictYAMLError("a mapping key must be a plain value", _line(key_node)) from None
            if first is not None:
                raise StrictYAMLError(f"duplicate key {_short(key)} (first at line {first})", _line(key_node))
            lines[key] = _line(key_node)
        out = Mapping(super().construct_mapping(node, deep=deep))
        out.lines = lines
        return out

    def construct_yaml_map(self, node):
        data = Mapping()
        yield data
        value = self.construct_mapping(node)
        data.update(value)
        data.lines = value.lines

    def construct_yaml_int(self, node):
        _check_number_length(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node):
        _check_number_length(node)
        return super().construct_yaml_float(node)


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_yaml_map)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)


def _check_number_length(node) -> None:
    if len(node.value) > MAX_NUMBER_CHARS:
        raise StrictYAMLError(f"number {_short(node.value)} is too long "
                              f"(more than {MAX_NUMBER_CHARS} characters)", _line(node))


def _short(value, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 1]}… ({len(text)} chars)"


def loads(text: str):
    """Parse one YAML document strictly; raise StrictYAMLError or yaml.YAMLError (with problem_mark)."""
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
