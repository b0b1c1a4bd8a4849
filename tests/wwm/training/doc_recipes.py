"""The runnable Python blocks of the user docs: each follows a ``<!-- recipe: NAME -->`` line and
reads a dataset from ``dataset_dir = 'out'``, which a test points at a dataset it made.

TensorFlow recipes run in a child process: importing TensorFlow and then torch with transformers in
one process crashes here, and the other recipes need torch."""
import json
import os
import re
import subprocess
import sys

from tests.conftest import ROOT

RECIPE_DOCS = ('outputs.md', 'masking.md')
RECIPE = re.compile(r'<!-- recipe: (\S+) -->\n```python\n(.*?)```', re.S)
DATASET_DIR_LINE = re.compile(r"^dataset_dir = 'out'(?=\s|$)", re.M)


def recipes() -> dict:
    """name -> code, for every recipe of the docs; every Python block must be one."""
    found = {}
    for doc in RECIPE_DOCS:
        text = (ROOT / 'docs' / doc).read_text(encoding='utf-8')
        named = RECIPE.findall(text)
        assert len(named) == text.count('```python'), 'every Python block of %s is a recipe' % doc
        found.update(named)
    return found


def recipe_for(name: str, dataset_dir) -> str:
    """The recipe's code with its dataset_dir set to the given folder."""
    code, replaced = DATASET_DIR_LINE.subn('dataset_dir = %r' % str(dataset_dir), recipes()[name])
    assert replaced == 1, 'recipe %s sets dataset_dir once' % name
    return code


def run_recipe(name: str, dataset_dir) -> dict:
    """Runs the recipe in this process; returns its variables."""
    namespace = {}
    exec(compile(recipe_for(name, dataset_dir), 'docs recipe ' + name, 'exec'), namespace)
    return namespace


def run_in_child(code: str, cwd) -> object:
    """Runs code in a fresh Python whose last statement prints one JSON value; returns that value."""
    done = subprocess.run([sys.executable, '-c', code], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL='3'),
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
