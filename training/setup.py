"""What a trainer installs: the ``wwm`` and ``schemas`` packages without Apache Beam.

``pip install .`` at the root installs the pipeline, Beam included, and an extra cannot take a
requirement away; so the training classes (``wwm.training``, docs/masking.md) come as this second
distribution, built from the same source folders: ``pip install ./training``. It holds the same
``wwm`` package as the root's, so an environment has one or the other. The versions are the root
setup.py's, read from it, so they are stated in one place.
"""
import ast
import pathlib
import re

from setuptools import Extension, find_packages, setup

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = '..'   # setuptools takes package folders relative to this file
# What wwm.training imports beyond the standard library (torch is the trainer's own choice).
TRAINING_NEEDS = ('numpy', 'pyarrow', 'google-crc32c')


def _root_setup_keywords() -> dict:
    """The literal keyword arguments of the root setup.py's setup() call."""
    tree = ast.parse((ROOT / 'setup.py').read_text(encoding='utf-8'))
    call = next(node for node in ast.walk(tree) if isinstance(node, ast.Call)
                and getattr(node.func, 'id', None) == 'setup')
    return {keyword.arg: keyword.value for keyword in call.keywords}


def _literal_strings(node) -> list:
    return [element.value for element in node.elts
            if isinstance(element, ast.Constant) and isinstance(element.value, str)]


ROOT_SETUP = _root_setup_keywords()
PINS = {re.match(r'[A-Za-z0-9_.-]+', pin).group(0): pin
        for pin in _literal_strings(ROOT_SETUP['install_requires'])}

setup(
    name='zh-wwm-training',
    version=ast.literal_eval(ROOT_SETUP['version']),
    description="The pipeline's training classes (wwm.training) for PyTorch, without Apache Beam.",
    python_requires=ast.literal_eval(ROOT_SETUP['python_requires']),
    package_dir={'': SOURCE},
    packages=find_packages(str(ROOT), include=['schemas', 'schemas.*', 'wwm', 'wwm.*']),
    # The root's optional C loops, found by their sources (masking runs in the collator).
    ext_modules=[Extension('.'.join(source.relative_to(ROOT).with_suffix('').parts),
                           [str(pathlib.Path(SOURCE) / source.relative_to(ROOT))], optional=True)
                 for source in sorted((ROOT / 'wwm').rglob('_*.c'))],
    install_requires=[PINS[name] for name in TRAINING_NEEDS],
    # Here, not beside the root's packages, where it would show as installed in a checkout.
    options={'egg_info': {'egg_base': '.'}},
)
