"""Traditional/simplified Chinese conversion with OpenCC (``--convert t2s`` by default)."""
import apache_beam as beam

from schemas.records import Document

NO_CONVERSION = 'none'


class _Convert(beam.DoFn):
    def __init__(self, config: str):
        self._config = config
        self._converter = None

    def setup(self):
        import opencc
        self._converter = opencc.OpenCC(self._config)

    def process(self, document: Document):
        yield document._replace(text=self._converter.convert(document.text))


class ConvertChinese(beam.PTransform):
    """Convert each document's text with the OpenCC config (e.g. t2s, tw2sp, hk2s, s2t)."""

    def __init__(self, config: str):
        super().__init__()
        self._config = config

    def expand(self, documents):
        if self._config == NO_CONVERSION:
            return documents
        return documents | beam.ParDo(_Convert(self._config))
