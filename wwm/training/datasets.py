"""A PyTorch dataset over a written dataset, in any output format, padded as the BERT contract.

    from wwm.training.datasets import PretrainingDataset, bert_pretraining_inputs
    loader = torch.utils.data.DataLoader(PretrainingDataset('out', 'arrow'), batch_size=32)
    for batch in loader:
        loss = model(**bert_pretraining_inputs(batch)).loss      # static masking

It streams the shards in manifest order (the instances are already globally shuffled), each
DataLoader worker reading its own shards. Each item is a dict of tensors with the names, lengths and
padding of schemas/bert_features.py; ``chinese_ref`` is padded with -1 to max_seq_length so items
batch. torch is imported on first use: the package itself does not need it.
"""
import json

from schemas.manifest import MANIFEST_NAME
from wwm import filesystems
from wwm.records.bert_padding import padded_features
from wwm.records.shard_readers import read_instances

IGNORED_LABEL = -100   # what PyTorch's cross entropy (and BertForPreTraining) skips


def _torch():
    import torch
    import torch.utils.data
    # The class below is an IterableDataset for DataLoader without importing torch at module load.
    torch.utils.data.IterableDataset.register(PretrainingDataset)
    return torch


class PretrainingDataset:
    """Instances of the dataset in ``dataset_dir`` (a folder holding manifest.json)."""

    def __init__(self, dataset_dir: str, output_format: str = None):
        with filesystems.open_read(filesystems.join(dataset_dir, MANIFEST_NAME)) as handle:
            manifest = json.loads(handle.read())
        formats = manifest['formats']
        self.output_format = output_format or next(iter(formats))
        if self.output_format not in formats:
            raise ValueError('%s has no %s shards (it has %s)'
                             % (dataset_dir, self.output_format, ', '.join(formats)))
        shards = formats[self.output_format]['shards']
        self._paths = [filesystems.join(dataset_dir, shard['file_name']) for shard in shards]
        self._records = sum(shard['records'] for shard in shards)
        self.masking = manifest['masking']
        self.max_seq_length = manifest['options']['max_seq_length']
        self.max_predictions_per_seq = manifest['options']['max_predictions_per_seq']
        _torch()

    def __len__(self) -> int:
        return self._records

    def _padded(self, instance) -> dict:
        features = padded_features(instance, self.masking, self.max_seq_length,
                                   self.max_predictions_per_seq)
        if 'chinese_ref' in features:
            refs = features['chinese_ref']
            features['chinese_ref'] = refs + [-1] * (self.max_seq_length - len(refs))
        return features

    def __iter__(self):
        torch = _torch()
        worker = torch.utils.data.get_worker_info()
        paths = self._paths if worker is None else self._paths[worker.id::worker.num_workers]
        for path in paths:
            for instance in read_instances(path, self.output_format):
                yield {name: torch.tensor(values) for name, values in self._padded(instance).items()}


def bert_pretraining_inputs(batch: dict) -> dict:
    """A batch of static-masking items as the keyword arguments of transformers' BertForPreTraining.

    The masked-LM labels are the original ids at the masked positions and IGNORED_LABEL elsewhere.
    """
    torch = _torch()
    labels = torch.full_like(batch['input_ids'], IGNORED_LABEL)
    real = batch['masked_lm_weights'] > 0
    rows = torch.arange(labels.shape[0]).unsqueeze(1).expand_as(real)
    labels[rows[real], batch['masked_lm_positions'][real]] = batch['masked_lm_ids'][real]
    return {'input_ids': batch['input_ids'], 'attention_mask': batch['input_mask'],
            'token_type_ids': batch['segment_ids'], 'labels': labels,
            'next_sentence_label': batch['next_sentence_labels'][:, 0]}
