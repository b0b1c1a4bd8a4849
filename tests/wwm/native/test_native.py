"""wwm/native: the one place that loads the C extensions, and how a run says whether they loaded
(native_kernels(), its stderr warning, the manifest's ``software`` section)."""
import ast
import json
import pathlib
import subprocess
import sys
from importlib import metadata

import apache_beam
import pytest

from schemas import manifest as manifest_schema
from wwm import native

ROOT = pathlib.Path(__file__).resolve().parents[3]


def test_every_extension_is_built():
    assert native.native_kernels() == {family: True for family in native.FAMILIES}, (
        '%s (the job still runs without them, in Python)' % native.fallback_warning(native.native_kernels()))


def test_a_module_that_cannot_be_imported_is_reported_as_not_built(monkeypatch):
    before = native.native_kernels()
    monkeypatch.setitem(sys.modules, 'wwm.native._jieba', None)  # as if the .so were absent
    assert native.load_extension('jieba') is None
    monkeypatch.setattr(native, 'c_jieba', native.load_extension('jieba'))
    assert native.native_kernels() == dict(before, jieba=False)
    assert 'jieba' in native.fallback_warning(native.native_kernels())


def test_the_warning_names_what_runs_in_python_and_what_to_do():
    assert native.fallback_warning({'kernels': True, 'wordpiece': True, 'jieba': True}) is None
    warning = native.fallback_warning({'kernels': True, 'wordpiece': False, 'jieba': False})
    assert warning.startswith('native kernels not built (jieba, wordpiece): ')
    assert 'kernels,' not in warning and 'C compiler' in warning and '\n' not in warning


# Run in a fresh interpreter where no C module can be imported: every caller must fall back, with
# the same results; the job says so (fallback_warning), the import itself stays quiet.
_WITHOUT_C = '''
import json, sys
for family in ('kernels', 'wordpiece', 'jieba'):
    sys.modules['wwm.native._' + family] = None
from wwm.native import kernels
from wwm import native
from wwm.tokens import wordpiece
from wwm.segmenters import jieba_backend, protected_words
from wwm.segmenters.jieba_backend import JiebaBackend
print(json.dumps({
    'native_kernels': native.native_kernels(),
    'c_modules_used': [module for module in (kernels.compiled, wordpiece._wordpiece, jieba_backend._jieba,
                                             protected_words.ProtectedWords(['北京'])._trie)
                       if module is not None],
    'pack_lists_is_python': kernels.pack_lists is kernels.py_pack_lists,
    'words': JiebaBackend().segment(['我爱北京天安门。']),
}))
'''


def test_without_any_extension_every_caller_runs_python():
    done = subprocess.run([sys.executable, '-c', _WITHOUT_C], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    result = json.loads(done.stdout)
    assert result == {'native_kernels': {'kernels': False, 'wordpiece': False, 'jieba': False},
                      'c_modules_used': [], 'pack_lists_is_python': True,
                      'words': [['我', '爱', '北京', '天安门', '。']]}
    assert 'native kernels not built' not in done.stderr


def _imported_modules(path: pathlib.Path):
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield from ('%s.%s' % (node.module, alias.name) for alias in node.names)


def test_no_module_but_wwm_native_imports_a_c_module():
    extensions = {'_%s' % family for family in native.FAMILIES}
    importers = sorted(str(path.relative_to(ROOT))
                       for folder in ('wwm', 'transforms', 'beam_jobs', 'schemas')
                       for path in (ROOT / folder).rglob('*.py')
                       if path != ROOT / 'wwm/native/__init__.py'
                       and any(name.rsplit('.', 1)[-1] in extensions for name in _imported_modules(path)))
    assert importers == []


def test_the_software_section_names_the_versions_the_runner_and_the_kernels(monkeypatch):
    software = manifest_schema.software('FlinkRunner')
    assert software == {'zh_wwm_data': metadata.version(manifest_schema.DISTRIBUTION),
                        'apache_beam': apache_beam.__version__, 'runner': 'FlinkRunner',
                        'native_kernels': native.native_kernels()}
    monkeypatch.setattr(native, 'c_wordpiece', None)
    assert manifest_schema.software('DirectRunner')['native_kernels']['wordpiece'] is False


def test_the_software_section_of_a_checkout_that_was_never_installed(monkeypatch):
    def not_installed(name):
        raise metadata.PackageNotFoundError(name)
    monkeypatch.setattr(metadata, 'version', not_installed)
    assert manifest_schema.software('DirectRunner')['zh_wwm_data'] is None


def _manifest(**software):
    return manifest_schema.build_manifest({'max_seq_length': 128}, {'size': 3}, [('instances', 2)],
                                          'static', {}, [], **software)


def test_manifests_with_and_without_the_software_section_load():
    software = manifest_schema.software('DirectRunner')
    with_section = _manifest(software_section=software)
    assert manifest_schema.parse_manifest(manifest_schema.dumps(with_section))['software'] == software
    old = _manifest()
    assert 'software' not in old
    assert manifest_schema.parse_manifest(manifest_schema.dumps(old)) == old


def test_a_software_section_that_is_not_an_object_is_refused():
    broken = dict(_manifest(), software='DirectRunner')
    with pytest.raises(ValueError, match="'software' is of the wrong type"):
        manifest_schema.parse_manifest(manifest_schema.dumps(broken))
