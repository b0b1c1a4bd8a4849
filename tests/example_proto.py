"""An independent reader for the tests: tf.train.Example parsed by protobuf itself.

The message classes are built at run time from the field layout of TensorFlow's
``example.proto``/``feature.proto``, so the pipeline's hand-written encoder is checked by
protobuf's own parser, and the TFRecord framing by Beam's TFRecord reader.
"""
import functools

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto


def _field(message, name, number, kind, label=_F.LABEL_OPTIONAL, type_name=None, packed=None,
           oneof_index=None):
    field = message.field.add(name=name, number=number, type=kind, label=label)
    if type_name:
        field.type_name = type_name
    if packed is not None:
        field.options.packed = packed
    if oneof_index is not None:
        field.oneof_index = oneof_index
    return field


@functools.lru_cache(maxsize=1)
def example_class():
    proto = descriptor_pb2.FileDescriptorProto(name='tests_tf_example.proto', package='tensorflow',
                                               syntax='proto3')
    bytes_list = proto.message_type.add(name='BytesList')
    _field(bytes_list, 'value', 1, _F.TYPE_BYTES, _F.LABEL_REPEATED)
    float_list = proto.message_type.add(name='FloatList')
    _field(float_list, 'value', 1, _F.TYPE_FLOAT, _F.LABEL_REPEATED, packed=True)
    int64_list = proto.message_type.add(name='Int64List')
    _field(int64_list, 'value', 1, _F.TYPE_INT64, _F.LABEL_REPEATED, packed=True)
    feature = proto.message_type.add(name='Feature')
    feature.oneof_decl.add(name='kind')
    _field(feature, 'bytes_list', 1, _F.TYPE_MESSAGE, type_name='.tensorflow.BytesList', oneof_index=0)
    _field(feature, 'float_list', 2, _F.TYPE_MESSAGE, type_name='.tensorflow.FloatList', oneof_index=0)
    _field(feature, 'int64_list', 3, _F.TYPE_MESSAGE, type_name='.tensorflow.Int64List', oneof_index=0)
    features = proto.message_type.add(name='Features')
    entry = features.nested_type.add(name='FeatureEntry')
    entry.options.map_entry = True
    _field(entry, 'key', 1, _F.TYPE_STRING)
    _field(entry, 'value', 2, _F.TYPE_MESSAGE, type_name='.tensorflow.Feature')
    _field(features, 'feature', 1, _F.TYPE_MESSAGE, _F.LABEL_REPEATED,
           type_name='.tensorflow.Features.FeatureEntry')
    example = proto.message_type.add(name='Example')
    _field(example, 'features', 1, _F.TYPE_MESSAGE, type_name='.tensorflow.Features')
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName('tensorflow.Example'))


def parse_example(data: bytes) -> dict:
    """name -> (kind, values) of a serialized Example, parsed by protobuf."""
    message = example_class().FromString(data)
    parsed = {}
    for name, feature in message.features.feature.items():
        kind = feature.WhichOneof('kind')
        parsed[name] = (kind, list(getattr(feature, kind).value))
    return parsed


def read_tfrecord_file(path: str) -> list:
    """Records of a TFRecord file read by Beam's own TFRecord implementation (checksums verified)."""
    from apache_beam.io.tfrecordio import _TFRecordUtil
    records = []
    with open(path, 'rb') as handle:
        while True:
            record = _TFRecordUtil.read_record(handle)
            if record is None:
                return records
            records.append(record)
