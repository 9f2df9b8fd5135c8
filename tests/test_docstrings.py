"""Every public function, class and method of the engine keeps a docstring (say why, not what):
the engine is a library the plugin, the CLI and the training code call, and its callers read
these. A method that only implements a protocol its class documents (a scene's `read`, a sink's
`write`, a method's `fill`, a module's `forward`) may rely on the class docstring instead."""
import ast
import pathlib

from tests.helpers import ROOT

ENGINE = pathlib.Path(ROOT) / "engine"

# Protocol overrides a class docstring may cover: the protocol is documented where it is defined
# (Scene, the sinks, FillMethod / ReferenceFill, torch's Module).
PROTOCOL_METHODS = frozenset({"read", "write", "close", "wants", "commit", "abort", "fill",
                              "forward"})


def missing_docstrings(source: str, where: str = "<source>") -> list:
    """`where:line name` of each public top-level function or class, and each public method of
    a public class, that has no docstring (protocol overrides of a documented class excepted)."""
    missing = []
    for node in ast.parse(source).body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if node.name.startswith("_"):
            continue
        documented = bool(ast.get_docstring(node))
        if not documented:
            missing.append(f"{where}:{node.lineno} {node.name}")
        if not isinstance(node, ast.ClassDef):
            continue
        for sub in node.body:
            if not isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if sub.name.startswith("_") or ast.get_docstring(sub):
                continue
            if documented and sub.name in PROTOCOL_METHODS:
                continue
            missing.append(f"{where}:{sub.lineno} {node.name}.{sub.name}")
    return missing


def test_every_public_engine_name_has_a_docstring():
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) > 50  # the walk found the engine, not an empty folder
    missing = []
    for path in files:
        missing += missing_docstrings(path.read_text(encoding="utf-8"),
                                      str(path.relative_to(ROOT)))
    assert not missing, "public names without a docstring:\n" + "\n".join(missing)


def test_the_check_finds_what_it_must_and_spares_what_it_may():
    source = '''
def public(): pass
def _private(): pass
class Bare:
    def read(self): pass
class Documented:
    """Reads windows."""
    def read(self): pass
    def helper(self): pass
    def _inner(self): pass
    def explained(self):
        """Says why."""
class _Hidden:
    def anything(self): pass
async def fetch(): pass
def empty():
    """"""
'''
    assert missing_docstrings(source) == [
        "<source>:2 public",
        "<source>:4 Bare",
        "<source>:5 Bare.read",          # no class docstring covers the protocol method
        "<source>:9 Documented.helper",  # not a protocol method: needs its own
        "<source>:15 fetch",
        "<source>:16 empty",             # an empty docstring says nothing
    ]
