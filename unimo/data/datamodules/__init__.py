"""Lightning DataModules: shard folders of paired video+motion or of their tokens; folders of motion files;
synthetic clips made while training runs."""

from unimo.data.datamodules.motion_folder import MotionFolderDataModule, MotionWindows
from unimo.data.datamodules.synthetic_stream import SyntheticClipStream, SyntheticStreamDataModule
from unimo.data.datamodules.token_shards import TokenShardDataModule
from unimo.data.datamodules.webdataset_module import WebDatasetDataModule

__all__ = ["MotionFolderDataModule", "MotionWindows", "SyntheticClipStream", "SyntheticStreamDataModule",
           "TokenShardDataModule", "WebDatasetDataModule"]
