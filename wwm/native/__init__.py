"""The project's C extensions, and the one place that decides between them and Python.

Three families, each one C file here that ``setup.py`` builds where a C compiler and the Python
headers are present (pip install, ``-e`` included, and Dataflow or Flink workers installing the
staged package):

- ``kernels`` (_kernels.c): the per-token loops of masking, packing, TFRecord encoding and token
  grouping; the Python references are in wwm/native/kernels.py.
- ``wordpiece`` (_wordpiece.c): WordPiece for sentences of common characters; the reference is
  `tokenizers` (wwm/tokens/wordpiece.py).
- ``jieba`` (_jieba.c): jieba's precise mode and the protected words' trie; the references are
  jieba itself (wwm/segmenters/jieba_backend.py) and ProtectedWords.py_matches / py_enforce.

Each attribute below is the built module, or None where it was not built: its callers then run the
reference, with the same output and up to about twice the job's time. Nothing else imports a C
module, so ``native_kernels()`` tells the whole truth, and the job reports it once rather than
running slowly in silence: ``fallback_warning`` on the launcher's stderr, ``native_kernels`` in the
manifest's ``software`` section (as loaded on the worker that writes it). Importing this module
prints nothing: a library user of wwm has no job to warn about.
"""
import importlib
from types import ModuleType
from typing import Dict, Optional

FAMILIES = ('kernels', 'wordpiece', 'jieba')


def load_extension(family: str) -> Optional[ModuleType]:
    """The family's C module, or None where it was not built (or cannot be loaded here)."""
    try:
        return importlib.import_module('%s._%s' % (__name__, family))
    except ImportError:
        return None


c_kernels = load_extension('kernels')
c_wordpiece = load_extension('wordpiece')
c_jieba = load_extension('jieba')


def native_kernels() -> Dict[str, bool]:
    """{family: whether its C module loaded}, for the manifest: the speed of a run depends on it."""
    return {'kernels': c_kernels is not None, 'wordpiece': c_wordpiece is not None,
            'jieba': c_jieba is not None}


def fallback_warning(loaded: Dict[str, bool]) -> Optional[str]:
    """One line saying which families of ``loaded`` (native_kernels()) run in Python, or None when
    all are in C: a missing compiler at install time must not just make the job slower unseen."""
    missing = [family for family, built in sorted(loaded.items()) if not built]
    if not missing:
        return None
    return ('native kernels not built (%s): the job runs them in Python, same output, up to about '
            '2x slower; install a C compiler and the Python headers, then reinstall the package'
            % ', '.join(missing))
