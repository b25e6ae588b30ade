"""Error trees as a module's docstring draws them, and as ``__subclasses__()`` says they are.

A drawing is a literal block (after a line ending in ``::``) of box-drawing lines::

    AcdError                 400 acd-error
    ├── IllegalStateChange   409 illegal-state-change
    └── NoSuchQueue          404 no-such-queue

Each line names one class: bare if the drawing's module defines it, else by its dotted path
(``cti.db.DatabaseUnavailable``). A status and an error_id after the name, if given, must be
the class's. What the drawing must show, for a module M:

- its tops are the exceptions M defines whose bases M does not (M's roots); a top may also
  be a class of another module, to show where M's roots hang, with only M's roots below it;
- below a class, every subclass in the project's packages, in any module; private classes
  (``_Name``) are skipped, their subclasses drawn in their place;
- a subclass defined in another module that draws its own tree is a leaf: its branch is
  drawn, and checked, there;
- a class with two parents in the tree is drawn under each.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from types import ModuleType

from tests.project_modules import PACKAGES

_LINE = re.compile(
    r"^(?P<indent>(?:│   |    )*)(?P<branch>├── |└── )?(?P<name>[A-Za-z_][\w.]*)(?P<rest>.*)$"
)
#: "409 illegal-state-change", then the end of the line, two spaces, or " (".
_STATUS_AND_ID = re.compile(
    r"^\s+(?P<status>\d{3})\s+(?P<error_id>[a-z0-9]+(?:-[a-z0-9]+)*)(?=$|\s{2,}|\s\()"
)


@dataclass
class Node:
    name: str
    status: int | None = None
    error_id: str | None = None
    children: list[Node] = field(default_factory=list)

    def shape(self) -> tuple[str, frozenset[object]]:
        return self.name, frozenset(child.shape() for child in self.children)

    def render(self, depth: int = 0) -> list[str]:
        lines = ["    " * depth + self.name]
        for child in sorted(self.children, key=lambda c: c.name):
            lines += child.render(depth + 1)
        return lines


def drawn_trees(module: ModuleType) -> list[Node]:
    """The top nodes of every error drawing in ``module``'s docstring (none if it has none)."""
    tops: list[Node] = []
    for block in _literal_blocks(module.__doc__ or ""):
        if any("── " in line for line in block):
            tops += _parse(block, module.__name__)
    return tops


def real_trees(module: ModuleType, drawn: list[Node]) -> list[Node]:
    """What ``drawn`` must be: ``module``'s roots with their real subclasses, its foreign
    tops kept (each over the roots it claims to hold)."""
    roots = [c for c in _defined_exceptions(module) if not _has_base_in(c, module)]
    left = list(roots)
    tops: list[Node] = []
    for top in drawn:
        cls = resolve(top.name, module)
        if cls is not None and cls.__module__ != module.__name__:
            under = [r for r in left if cls in r.__bases__]
            left = [r for r in left if r not in under]
            tops.append(Node(top.name, children=[_expand(r, module) for r in under]))
    return tops + [_expand(r, module) for r in left]


def name_in(cls: type, module: ModuleType) -> str:
    return cls.__name__ if cls.__module__ == module.__name__ else f"{cls.__module__}.{cls.__name__}"


def resolve(name: str, module: ModuleType) -> type | None:
    if "." not in name:
        found = getattr(module, name, None)
        return found if isinstance(found, type) else None
    owner, _, attr = name.rpartition(".")
    found = getattr(sys.modules.get(owner), attr, None)
    return found if isinstance(found, type) else None


def mismatched_labels(tops: list[Node], module: ModuleType) -> list[str]:
    """Lines whose status or error_id is not the class's."""
    wrong: list[str] = []
    for node in _walk(tops):
        cls = resolve(node.name, module)
        if cls is None:
            wrong.append(f"{node.name}: no such class")
            continue
        if node.status is not None and node.status != getattr(cls, "status", None):
            wrong.append(f"{node.name}: drawn {node.status}, is {getattr(cls, 'status', None)}")
        if node.error_id is not None and node.error_id != getattr(cls, "error_id", None):
            wrong.append(f"{node.name}: drawn {node.error_id}, is {getattr(cls, 'error_id', '')}")
    return wrong


def _expand(cls: type, module: ModuleType) -> Node:
    node = Node(name_in(cls, module))
    if cls.__module__ != module.__name__ and _draws_a_tree(sys.modules[cls.__module__]):
        return node
    node.children = [_expand(s, module) for s in _public_subclasses(cls)]
    return node


def _public_subclasses(cls: type) -> list[type]:
    found: list[type] = []
    for sub in cls.__subclasses__():
        if sub.__module__.split(".")[0] not in PACKAGES:
            continue  # a test's own subclass, say
        found += _public_subclasses(sub) if sub.__name__.startswith("_") else [sub]
    return list(dict.fromkeys(found))


def _defined_exceptions(module: ModuleType) -> list[type]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and value.__module__ == module.__name__
        and not value.__name__.startswith("_")
    ]


def _has_base_in(cls: type, module: ModuleType) -> bool:
    return any(
        base.__module__ == module.__name__ and not base.__name__.startswith("_")
        for base in cls.__mro__[1:]
    )


def _draws_a_tree(module: ModuleType) -> bool:
    return bool(drawn_trees(module))


def _walk(nodes: list[Node]) -> list[Node]:
    return [n for node in nodes for n in (node, *_walk(node.children))]


def _literal_blocks(doc: str) -> list[list[str]]:
    lines = doc.splitlines()
    blocks: list[list[str]] = []
    for i, line in enumerate(lines):
        if not line.rstrip().endswith("::"):
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        block: list[str] = []
        while j < len(lines) and lines[j].strip():
            block.append(lines[j])
            j += 1
        blocks.append(block)
    return blocks


def _parse(block: list[str], where: str) -> list[Node]:
    margin = min(len(line) - len(line.lstrip(" ")) for line in block)
    tops: list[Node] = []
    path: list[Node] = []
    for text in block:
        match = _LINE.match(text[margin:])
        assert match, f"{where}: not a tree line: {text!r}"
        depth = len(match["indent"]) // 4 + (1 if match["branch"] else 0)
        assert depth <= len(path), f"{where}: {text!r} skips a level"
        node = Node(match["name"])
        if label := _STATUS_AND_ID.match(match["rest"]):
            node.status, node.error_id = int(label["status"]), label["error_id"]
        del path[depth:]
        (path[-1].children if path else tops).append(node)
        path.append(node)
    return tops
