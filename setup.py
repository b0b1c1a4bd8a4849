"""Chinese whole-word-masking BERT pretraining data, built with Apache Beam.

This file is also Beam's ``--setup_file`` on Dataflow: workers install the same packages.
"""
from setuptools import Extension, find_packages, setup

BEAM_VERSION = '2.77.0'

setup(
    name='zh-wwm-data',
    version='0.1.0',
    description='Raw Chinese text to BERT whole-word-masking pretraining data, on Apache Beam.',
    python_requires='>=3.10',
    packages=find_packages(include=['beam_jobs', 'beam_jobs.*', 'transforms', 'transforms.*',
                                    'schemas', 'schemas.*', 'wwm', 'wwm.*']),
    # The C loops of wwm/native/ (masking, packing and encoding; WordPiece; jieba), chosen in
    # wwm/native/__init__.py. Optional: without a C compiler the install goes on and the same loops
    # run in Python, with the same output, about twice the time; the job says so on stderr and in
    # its manifest's software.native_kernels.
    ext_modules=[Extension('wwm.native._kernels', ['wwm/native/_kernels.c'], optional=True),
                 Extension('wwm.native._wordpiece', ['wwm/native/_wordpiece.c'], optional=True),
                 Extension('wwm.native._jieba', ['wwm/native/_jieba.c'], optional=True)],
    install_requires=[
        # [gcp] for gs:// paths (models, vocab, corpora on Dataflow); without it Beam also logs an
        # "apitools not found" warning on every start.
        'apache-beam[gcp]==%s' % BEAM_VERSION,
        'tokenizers>=0.15,<1',
        'jieba==0.42.1',
        'opencc>=1.1.9,<2',
        'google-crc32c>=1.5',
        # Builds the sdist that --setup_file stages for Dataflow and Flink workers; without it Beam
        # prints "No module named build" and falls back on the deprecated `setup.py sdist`.
        'build>=1',
        'pyarrow>=14',
        'numpy>=1.24',
        'zstandard>=0.21',
        'pyyaml>=6',
        'ijson>=3.2',
    ],
    extras_require={
        # datasketch: the reference the near-duplicate tests compare wwm/dedup.py's MinHash with.
        'test': ['pytest>=8', 'pytest-xdist>=3.5,<4', 'accelerate>=0.26', 'transformers>=4.40,<5', 'datasets>=4,<6', 'datasketch>=2,<3', 'hypothesis>=6.100'],
        # TensorFlow only to test the tf.data recipe; 2.21 shares apache-beam's protobuf and numpy.
        'tf': ['tensorflow-cpu>=2.21,<2.22'],
        # LTP segmenters. Brings torch: install torch first (a CPU wheel where no GPU is used).
        'ltp': ['ltp==4.2.14', 'ltp-core>=0.1.4,<0.2', 'ltp-extension>=0.1.13,<0.2', 'transformers>=4.40,<5'],
        # --output_format mds: MosaicML streaming's MDSWriter and StreamingDataset. Brings torch and
        # torchvision (install torch first) and caps numpy below 2.2.
        'mds': ['mosaicml-streaming==0.13.0'],
    },
    entry_points={
        'console_scripts': [
            'build-pretraining-data=beam_jobs.build_pretraining_data:main',
        ],
    },
)
