"""Paired video+motion shards: writing (synth, pack), reading (webdataset pipeline) and inspecting.

Layout of a shard folder::

    shard-000000.tar   samples <key>.video.mp4 / .motion.npz / .camera.json / .meta.json
    ...
    manifest.json      counts, sizes, shard list, train/val/test shard sets, how it was built
"""

from unimo.data.shards.manifest import read_manifest, write_manifest
from unimo.data.shards.sample import ClipSample, encode_sample
from unimo.data.shards.skips import ShardDataError, SkipReporter
from unimo.data.shards.synth import SynthSpec, synthesize
from unimo.data.shards.writer import ShardInfo, read_shard_info, write_shard

__all__ = [
    "ClipSample", "ShardDataError", "ShardInfo", "SkipReporter", "SynthSpec", "encode_sample",
    "read_manifest", "read_shard_info", "synthesize", "write_manifest", "write_shard",
]
