"""copydesk: find copies of the same story (near-duplicates and excerpts) in crawled news and web text.

The public surface is what ``__all__`` lists (pinned by ``tests/test_public_api.py``); everything else is
internal and may change.
"""

from __future__ import annotations

import logging

from ._native import use_source_if_needed

use_source_if_needed()  # before anything imports the modules setup.py may have compiled

from .compare import Comparison, Passage, compare_texts
from .config import (
    CandidateConfig,
    CanonicalConfig,
    CleanConfig,
    MinHashConfig,
    ReadConfig,
    RunConfig,
    ShingleConfig,
    VerifyConfig,
)
from .errors import ConfigError, CopydeskError, InputError, MissingExtra, OutputError
from .index import Index, IndexRun
from .io.readers import read_inputs
from .pipeline import RunResult, dedup
from .run import write_outputs
from .types import Cluster, Decision, Document, Edge, EdgeLabel, Reason, Rejected, Role

logging.getLogger(__name__).addHandler(logging.NullHandler())

__version__ = "0.1.0"

__all__ = [
    "CandidateConfig",
    "CanonicalConfig",
    "CleanConfig",
    "Cluster",
    "Comparison",
    "ConfigError",
    "CopydeskError",
    "Decision",
    "Document",
    "Edge",
    "EdgeLabel",
    "Index",
    "IndexRun",
    "InputError",
    "MinHashConfig",
    "MissingExtra",
    "OutputError",
    "Passage",
    "ReadConfig",
    "Reason",
    "Rejected",
    "Role",
    "RunConfig",
    "RunResult",
    "ShingleConfig",
    "VerifyConfig",
    "compare_texts",
    "dedup",
    "read_inputs",
    "write_outputs",
]
