"""Which data an expansion reads, and which data a change writes (``lumix.dependencies``).

``record_expansion(model)`` expands ``model`` as ``expand_model`` does while a
``__getattribute__`` hook on the classes of its data records each ``(object, attribute)`` the
callables read, per block: ``("bounds", variable)``, ``("rows", constraint)``,
``("objective", None)``, or ``STRUCTURE`` (instances, filters, keys, joins). The classes of
the objects reachable from the data (relationship objects, the items of an ORM collection) are
hooked before, those of objects met through reads as they are met; the hooks come off when the
recording ends. Lists, dicts and sets read are kept with their content, to tell later whether a
change mutated them. The code of the model's callables, and of the methods and properties they
reach, is read (``_CodeCheck``): a read of a global variable that is not code, of a class
attribute, or a closure over data whose reads are not recorded is a dependency that cannot be
known (``Recording.unknown``).

``watch_writes(classes)`` puts a ``__setattr__`` / ``__delattr__`` hook on data classes while
a lease is held (``hold_write_hooks`` / ``release_write_hooks``: the last release takes the
hooks off); it passes writes through, and inside ``capture_writes()`` (this thread only) it
also keeps each written ``(object, attribute)`` with its first old value, so that
``WriteLog.revert()`` can restore it. ``reexpand(recording, blocks)`` expands blocks again
with the recording's instances and keys: the same code as the compile, so the same numbers.
"""

from __future__ import annotations

import dis
import sys
import sysconfig
import threading
import types
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .blocks import ColumnBlock, ExpandedModel, ObjectiveBlock, RowBlock
from .model import _ModelExpander

if TYPE_CHECKING:
    from ..core.constraints import LXConstraint
    from ..core.model import LXModel
    from ..core.variables import LXVariable
    from ..linearization.config import LXLinearizerConfig

__all__ = [
    "STRUCTURE",
    "ANY",
    "Block",
    "Recording",
    "record_expansion",
    "reexpand",
    "watch_writes",
    "hold_write_hooks",
    "release_write_hooks",
    "capture_writes",
    "WriteLog",
    "Declarations",
    "declaration_holders",
    "holder_values",
]

Block = tuple[str, Any]
#: The block of reads that decide instances and keys: a change there changes the model's shape.
STRUCTURE: Block = ("structure", None)
#: The attribute name of a read of an object's whole ``__dict__``.
ANY = "*"
_MISSING = object()
_PLAIN = (int, float, complex, str, bytes, bool, type(None))
_HEAPTYPE = 1 << 9
_FOREIGN = ("lumix.", "sqlalchemy.", "django.", "numpy.", "scipy.", "pandas.")

_LOCAL = threading.local()
_RECORD_LOCK = threading.Lock()
_WATCH_LOCK = threading.Lock()
_SLOTS = ("__getattribute__", "__setattr__", "__delattr__")
#: Per slot, the method each hooked class (or subclass of one) had before the hooks.
_ORIGINAL: dict[str, dict[type, Callable[..., Any]]] = {slot: {} for slot in _SLOTS}
_ORIGINAL_SETATTR = _ORIGINAL["__setattr__"]  # (the hot hook's table, looked up once)
_WATCHED: set[type] = set()
#: Per hooked class and slot, the method of its own it had (``_MISSING``: it inherited one).
_OWN: dict[tuple[type, str], Any] = {}
_LEASES = 0  # hold_write_hooks leases held


def _library_paths() -> tuple[str, ...]:
    paths = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths.add(str(Path(__file__).resolve().parent.parent))  # lumix itself
    return tuple(sorted(paths)) + ("<",)  # "<frozen ...>", "<string>" (generated code)


_LIBRARY = _library_paths()


def _is_library(filename: str) -> bool:
    return filename.startswith(_LIBRARY)


def _original(cls: type, slot: str) -> Callable[..., Any]:
    """The ``slot`` method ``cls`` had before any hook of this module (cached per class; a
    class is hooked only after its original was cached)."""
    table = _ORIGINAL[slot]
    found = table.get(cls)
    if found is None:
        for klass in cls.__mro__:
            method = klass.__dict__.get(slot)
            if method is not None:
                found = table[klass] if method in _HOOKS else method
                break
        assert found is not None  # object has every slot
        table[cls] = found
    return found


def _hooked_getattribute(obj: Any, name: str) -> Any:
    cls = type(obj)
    value = (_ORIGINAL["__getattribute__"].get(cls) or _original(cls, "__getattribute__"))(obj, name)
    log = getattr(_LOCAL, "reads", None)
    if log is not None and not log.busy:
        log.saw(obj, name, value)
    return value


def _hooked_setattr(obj: Any, name: str, value: Any) -> None:
    log = getattr(_LOCAL, "writes", None)
    if log is not None:
        log.saw(obj, name)
    cls = type(obj)
    (_ORIGINAL_SETATTR.get(cls) or _original(cls, "__setattr__"))(obj, name, value)


def _hooked_delattr(obj: Any, name: str) -> None:
    log = getattr(_LOCAL, "writes", None)
    if log is not None and (id(obj), name) not in log.old:
        log.saw(obj, name)
    cls = type(obj)
    (_ORIGINAL["__delattr__"].get(cls) or _original(cls, "__delattr__"))(obj, name)


_HOOKS = (_hooked_getattribute, _hooked_setattr, _hooked_delattr)


def _hookable(cls: type) -> bool:
    """A user class whose instances carry data: a heap type outside lumix and the libraries."""
    module = getattr(cls, "__module__", "") or ""
    return (
        bool(cls.__flags__ & _HEAPTYPE)
        and not issubclass(cls, type | BaseException)
        and module != "builtins"
        and not module.startswith(_FOREIGN)
    )


def _content(container: Any) -> Any:
    if isinstance(container, dict):
        return dict(container)
    if isinstance(container, set):
        return set(container)
    return list(container)


def _same_content(container: Any, snapshot: Any) -> bool:
    try:
        return bool(container == snapshot)
    except Exception:  # items whose == is not a bool (arrays): count as changed
        return False


def _class_attribute(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        found = klass.__dict__.get(name, _MISSING)
        if found is not _MISSING:
            return found
    return _MISSING


# -- reads ------------------------------------------------------------------------------------


@dataclass
class _ReadLog:
    """What one recording saw: reads per block, containers, classes, the functions reached
    through reads (methods, property getters), and reads it cannot follow."""

    block: Block = STRUCTURE
    busy: bool = False
    reads: dict[tuple[int, str], set[Block]] = field(default_factory=dict)
    objects: dict[int, Any] = field(default_factory=dict)
    containers: dict[int, tuple[Any, Any]] = field(default_factory=dict)
    classes: dict[type, Any] = field(default_factory=dict)  # hooked class -> its own method
    functions: list[Any] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    _kinds: set[tuple[type, str]] = field(default_factory=set)

    def saw(self, obj: Any, name: str, value: Any) -> None:
        self.busy = True
        try:
            library = _is_library(sys._getframe(2).f_code.co_filename)  # who reads: the hook's caller
            if name.startswith("__") and name.endswith("__"):
                if name != "__dict__" or library:
                    return
                name = ANY
            elif not library:
                self._attribute(obj, name, value)
            self.objects[id(obj)] = obj
            self.reads.setdefault((id(obj), name), set()).add(self.block)
            self.value(value)
        finally:
            self.busy = False

    def _attribute(self, obj: Any, name: str, value: Any) -> None:
        """Keep the code behind a read of user code (a method, a property) for ``_CodeCheck``;
        a plain class attribute (``self.RATE``) is a read no write to the object would show."""
        own = getattr(obj, "__dict__", None)
        if own is not None and name in own:
            if isinstance(value, types.FunctionType):
                self.functions.append(value)
            return
        cls = type(obj)
        if (cls, name) in self._kinds:
            return
        self._kinds.add((cls, name))
        attr = _class_attribute(cls, name)
        if isinstance(attr, property):
            self.functions.append(attr.fget)
        elif isinstance(attr, staticmethod | classmethod):
            self.functions.append(attr.__func__)
        elif isinstance(attr, types.FunctionType) or hasattr(type(attr), "__get__"):
            self.functions.append(attr)
        elif attr is _MISSING:
            self.unknown.append(f"{cls.__name__}.{name} is read through __getattr__")
        else:
            self.unknown.append(f"a callable reads the class attribute {cls.__name__}.{name}")

    def value(self, value: Any) -> None:
        """Hook the class of a value read (or of the items of a container read)."""
        if type(value) in _PLAIN:
            return
        if isinstance(value, list | dict | set | tuple):
            if not isinstance(value, tuple) and id(value) not in self.containers:
                self.containers[id(value)] = (value, _content(value))
            for item in value.values() if isinstance(value, dict) else value:
                self.hook(type(item))
        else:
            self.hook(type(value))

    def hook(self, cls: type) -> None:
        if cls in self.classes or not _hookable(cls):
            return
        own = cls.__dict__.get("__getattribute__")
        _original(cls, "__getattribute__")
        try:
            type.__setattr__(cls, "__getattribute__", _hooked_getattribute)
        except (TypeError, AttributeError):
            return
        self.classes[cls] = own

    def unhook(self) -> None:
        for cls, own in reversed(self.classes.items()):
            if own is None:
                type.__delattr__(cls, "__getattribute__")
            else:
                type.__setattr__(cls, "__getattribute__", own)


# -- code the recording cannot follow ------------------------------------------------------------


def _frozen(value: Any) -> bool:
    """A value no change of the data can reach: a number, a string, a tuple of them."""
    if type(value) in _PLAIN:
        return True
    return isinstance(value, tuple | frozenset) and all(_frozen(v) for v in value)


def _code_like(value: Any) -> bool:
    """A global or closure value that is code, not data (or a lumix declaration, whose
    changes ``lumix.dependencies`` sees)."""
    kinds = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
    if value is _MISSING or isinstance(value, kinds):
        return True
    return (getattr(type(value), "__module__", "") or "").startswith("lumix.")


_GLOBAL_NAMES: dict[types.CodeType, frozenset[str]] = {}


def _global_names(code: types.CodeType) -> frozenset[str]:
    found = _GLOBAL_NAMES.get(code)
    if found is None:
        ops = ("LOAD_GLOBAL", "LOAD_NAME")
        found = frozenset(ins.argval for ins in dis.get_instructions(code) if ins.opname in ops)
        _GLOBAL_NAMES[code] = found
    return found


class _CodeCheck:
    """Reads the code of the model's callables and of what they call (functions named by
    globals, methods and properties met by reads, nested functions): a global that is not
    code, or a closure over data whose reads were not recorded, cannot be followed."""

    def __init__(self, hooked: Iterable[type]) -> None:
        self.hooked = set(hooked)
        self.seen: set[types.CodeType] = set()
        self.unknown: list[str] = []

    def function(self, func: Any) -> None:
        if isinstance(func, types.MethodType):
            func = func.__func__
        code = getattr(func, "__code__", None)
        if not isinstance(func, types.FunctionType) or code is None:
            return
        if code in self.seen or _is_library(code.co_filename):
            return
        self.code(code, func.__globals__)
        self.closure(code, func)

    def closure(self, code: types.CodeType, func: types.FunctionType) -> None:
        for name, cell in zip(code.co_freevars, func.__closure__ or (), strict=False):
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if isinstance(value, types.FunctionType):
                self.function(value)
            elif not (_code_like(value) or _frozen(value) or type(value) in self.hooked):
                kind = type(value).__name__
                self.unknown.append(f"{_where(code)} reads {name!r} ({kind}) from its closure")

    def code(self, code: types.CodeType, globals_: dict[str, Any]) -> None:
        import builtins

        self.seen.add(code)
        for name in sorted(_global_names(code)):
            value = globals_.get(name, builtins.__dict__.get(name, _MISSING))
            if isinstance(value, types.FunctionType):
                self.function(value)
            elif not _code_like(value):
                self.unknown.append(f"{_where(code)} reads the global {name!r}")
        for const in code.co_consts:  # nested functions: their free names are this one's locals
            if isinstance(const, types.CodeType) and const not in self.seen:
                self.code(const, globals_)


def _where(code: types.CodeType) -> str:
    return f"{code.co_qualname} at {Path(code.co_filename).name}:{code.co_firstlineno}"


def declaration_holders(model: LXModel) -> list[Any]:
    """The model and every lumix object and container reachable from it through lumix objects
    (families, expressions, dimensions, their lists and dicts; data items not entered)."""
    seen: set[int] = set()
    found, stack = [], [model]
    while stack:
        holder = stack.pop()
        if id(holder) in seen:
            continue
        seen.add(id(holder))
        found.append(holder)
        for value in holder_values(holder):
            if isinstance(value, list | dict | tuple | set | frozenset) or _is_declaration(value):
                stack.append(value)
    return found


class Declarations:
    """A model's declarations as they are, to tell whether a change touched them: writes to
    its lumix objects are watched (``watch_writes``), its lists and dicts kept with their
    content (a family's data list among them)."""

    def __init__(self, model: LXModel) -> None:
        self.holders = declaration_holders(model)  # kept alive: their ids stay theirs
        containers = list | dict | set
        objects = [h for h in self.holders if not isinstance(h, containers | tuple | frozenset)]
        self.ids = {id(h) for h in objects}
        self.containers = [h for h in self.holders if isinstance(h, containers)]
        self.snapshots = [_content(c) for c in self.containers]
        watch_writes({type(h) for h in objects})

    def changed(self, written: Iterable[tuple[int, str]]) -> bool:
        """Whether ``written`` (``(id(object), attribute)`` pairs) holds a declaration, or a
        list or dict of the declarations has other content now."""
        ids = self.ids
        if any(key[0] in ids for key in written):
            return True
        return not all(map(_same_content, self.containers, self.snapshots))


def _is_declaration(value: Any) -> bool:
    return (getattr(type(value), "__module__", "") or "").startswith("lumix.")


def holder_values(holder: Any) -> tuple[Any, ...]:
    """The values a declaration holder holds: a container's items, an object's attributes."""
    if isinstance(holder, dict):
        return (*holder.keys(), *holder.values())
    if isinstance(holder, list | tuple | set | frozenset):
        return tuple(holder)
    return tuple(getattr(holder, "__dict__", {}).values())


class _RecordingExpander(_ModelExpander):
    """An expansion that tells its read log which block it expands, and keeps each block's
    family and first position and the objective's expression, for ``reexpand``."""

    def __init__(self, model: LXModel, linearization: LXLinearizerConfig | None, log: _ReadLog) -> None:
        super().__init__(model, linearization)
        self.log = log
        self.starts: dict[Block, tuple[Any, int]] = {}
        self.objective_expression: Any = None

    def run(self) -> ExpandedModel:
        self.log.block = STRUCTURE
        for var in self.model.variables:
            if not getattr(var, "_pass_made", False):
                self.instances(var)
                self.keys(var)
        return super().run()

    def _begin(self, block: Block, family: Any, start: int) -> None:
        self.log.block = block
        self._term_cache.clear()  # a term shared by two blocks is read by each
        self.starts[block] = (family, start)

    def _column_block(self, var: LXVariable, start: int) -> ColumnBlock:
        self._begin(("bounds", var.name), var, start)
        return super()._column_block(var, start)

    def _row_block(self, constraint: LXConstraint, start: int) -> RowBlock:
        self._begin(("rows", constraint.name), constraint, start)
        return super()._row_block(constraint, start)

    def _objective(self) -> ObjectiveBlock | None:
        self._begin(("objective", None), None, 0)
        return super()._objective()

    def _objective_expression(self) -> Any:
        self.objective_expression = super()._objective_expression()
        return self.objective_expression


class _BlockExpander(_ModelExpander):
    """Expands blocks again with a recording's instances, keys, term parts and objective
    expression (the same code as the compile, so the same numbers)."""

    def __init__(self, base: _RecordingExpander) -> None:
        super().__init__(base.model, base.linearization)
        shared = ("reads", "_arity", "_instances", "_keys", "_families", "_blocks", "_by_value", "_parts")
        for name in (*shared, "warned"):
            setattr(self, name, getattr(base, name))
        self.base = base

    def _objective_expression(self) -> Any:
        return self.base.objective_expression


@dataclass
class Recording:
    """A recorded expansion: the expanded model, the blocks each ``(id(object), attribute)``
    feeds (``ANY`` for a read of the whole ``__dict__``), the containers read (with their
    content then), the data classes met, and why some reads cannot be known (empty: all
    known)."""

    expander: _RecordingExpander
    expanded: ExpandedModel
    reads: dict[tuple[int, str], set[Block]]
    objects: dict[int, Any]
    containers: list[Any]
    snapshots: list[Any]
    classes: list[type]
    unknown: list[str]

    def blocks_of(self, written: Iterable[tuple[int, str]]) -> set[Block]:
        """The blocks that read any of the ``written`` ``(id(object), attribute)``."""
        reads, dirty = self.reads, set()
        for blocks in filter(None, map(reads.get, written)):
            dirty.update(blocks)
        if self.whole_objects:
            for blocks in filter(None, map(reads.get, {(key[0], ANY) for key in written})):
                dirty.update(blocks)
        return dirty

    @cached_property
    def whole_objects(self) -> bool:
        """Whether a callable read an object's whole ``__dict__``."""
        return any(name == ANY for _, name in self.reads)

    def containers_changed(self) -> bool:
        """Whether a list, dict or set the expansion read has other content now."""
        return not all(map(_same_content, self.containers, self.snapshots))


def _data_items(model: LXModel) -> Iterator[Any]:
    """The data of the model's families and dimensions (lists of a detached model)."""
    for family in [*model.variables, *model.constraints]:
        yield from getattr(family, "_data", None) or ()
        cartesian = getattr(family, "_cartesian", None)
        for dim in getattr(cartesian, "dimensions", ()):
            yield from getattr(dim, "_data", None) or ()


def _reachable_classes(items: Iterable[Any], limit: int = 50_000) -> Iterator[type]:
    """The classes of the objects reachable from ``items`` through attributes and containers
    (at most ``limit`` objects): objects a callable may reach other than through an attribute
    read (the items of an ORM collection, say) are hooked before it runs."""
    seen: set[int] = set()
    stack = list(items)
    while stack and len(seen) < limit:
        obj = stack.pop()
        if type(obj) in _PLAIN or id(obj) in seen or isinstance(obj, type | types.ModuleType):
            continue
        seen.add(id(obj))
        yield type(obj)
        if isinstance(obj, dict):
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        else:
            try:
                stack.extend(object.__getattribute__(obj, "__dict__").values())
            except (AttributeError, TypeError):  # no __dict__ (slots, builtins)
                continue


def record_expansion(model: LXModel, linearization: LXLinearizerConfig | None = None) -> Recording:
    """Expand ``model`` (as ``expand_model``) recording what its callables read."""
    log = _ReadLog()
    with _RECORD_LOCK:  # the read hooks are on classes: one recording at a time
        items = list(_data_items(model))
        for item in items:
            log.value(item)
        for cls in set(_reachable_classes(items)):
            log.hook(cls)
        expander = _RecordingExpander(model, linearization, log)
        _LOCAL.reads = log
        try:
            expanded = expander.run()
        finally:
            _LOCAL.reads = None
            log.unhook()
    check = _CodeCheck(log.classes)
    for holder in declaration_holders(model):
        for value in holder_values(holder):
            if callable(value) and not isinstance(value, type):
                check.function(value)
    for func in log.functions:
        check.function(func)
    unknown = list(dict.fromkeys(log.unknown + check.unknown))
    containers = [c for c, _ in log.containers.values()]
    snapshots = [snapshot for _, snapshot in log.containers.values()]
    classes = list(log.classes)
    return Recording(expander, expanded, log.reads, log.objects, containers, snapshots, classes, unknown)


def reexpand(
    recording: Recording, blocks: Iterable[Block]
) -> dict[Block, ColumnBlock | RowBlock | ObjectiveBlock | None]:
    """Expand ``blocks`` again from the data as it is now, with the recording's instances and
    keys (which a change of the data must not have touched: ``STRUCTURE``)."""
    base = recording.expander
    exp = _BlockExpander(base)
    found: dict[Block, ColumnBlock | RowBlock | ObjectiveBlock | None] = {}
    for block in blocks:
        family, start = base.starts[block]
        if block[0] == "bounds":
            found[block] = exp._column_block(family, start)
        elif block[0] == "rows":
            found[block] = exp._row_block(family, start)
        else:
            found[block] = exp._objective()
    return found


# -- writes -----------------------------------------------------------------------------------


class WriteLog:
    """The ``(object, attribute)`` pairs written inside ``capture_writes()``, each with its
    first old value."""

    def __init__(self) -> None:
        self.old: dict[tuple[int, str], tuple[Any, str, Any]] = {}

    def saw(self, obj: Any, name: str) -> None:
        key = (id(obj), name)
        if key not in self.old:
            try:
                old = getattr(obj, name, _MISSING)
            except Exception:  # e.g. an ORM attribute that was never loaded
                old = _MISSING
            self.old[key] = (obj, name, old)

    def revert(self) -> None:
        """Restore every written attribute (delete those that did not exist)."""
        setters: dict[type, Callable[..., Any]] = {}
        for obj, name, old in reversed(self.old.values()):
            if old is _MISSING:
                try:
                    delattr(obj, name)
                except AttributeError:
                    pass
                continue
            cls = type(obj)
            setter = setters.get(cls)
            if setter is None:
                setter = setters[cls] = _original(cls, "__setattr__")
            setter(obj, name, old)
        self.old.clear()


def watch_writes(classes: Iterable[type]) -> None:
    """Hook ``__setattr__`` and ``__delattr__`` of ``classes`` (once per class while any write
    hook lease is held, see ``hold_write_hooks``); the hooks pass writes through and log them
    only inside ``capture_writes()``."""
    with _WATCH_LOCK:
        for cls in classes:
            if cls in _WATCHED:
                continue
            for slot, hook in (("__setattr__", _hooked_setattr), ("__delattr__", _hooked_delattr)):
                _original(cls, slot)
                _OWN[cls, slot] = cls.__dict__.get(slot, _MISSING)
                type.__setattr__(cls, slot, hook)
            _WATCHED.add(cls)


def hold_write_hooks() -> None:
    """Take a lease on the write hooks: ``watch_writes``'s hooks stay on their classes until
    every lease is given back (``release_write_hooks``)."""
    global _LEASES
    with _WATCH_LOCK:
        _LEASES += 1


def release_write_hooks() -> None:
    """Give a lease back; the last one takes every hook off (each class gets back its own
    ``__setattr__`` / ``__delattr__``, or none, as before)."""
    global _LEASES
    with _WATCH_LOCK:
        _LEASES -= 1
        if _LEASES > 0:
            return
        for cls in _WATCHED:
            for slot in ("__setattr__", "__delattr__"):
                own = _OWN.pop((cls, slot))
                if own is _MISSING:
                    type.__delattr__(cls, slot)
                else:
                    type.__setattr__(cls, slot, own)
        _WATCHED.clear()


@contextmanager
def capture_writes() -> Iterator[WriteLog]:
    """Log the writes to watched classes made by this thread inside the block."""
    log = WriteLog()
    previous = getattr(_LOCAL, "writes", None)
    _LOCAL.writes = log
    try:
        yield log
    finally:
        _LOCAL.writes = previous
