from __future__ import annotations

import copydesk

PINNED = [
    "CandidateConfig", "CanonicalConfig", "CleanConfig", "Cluster", "Comparison", "ConfigError", "CopydeskError",
    "Decision", "Document", "Edge", "EdgeLabel", "Index", "IndexRun", "InputError", "MinHashConfig", "MissingExtra", "OutputError",
    "Passage",
    "ReadConfig", "Reason", "Rejected", "Role", "RunConfig", "RunResult", "ShingleConfig", "VerifyConfig",
    "compare_texts", "dedup", "read_inputs", "write_outputs",
]


def test_public_surface_is_pinned() -> None:
    assert sorted(copydesk.__all__) == sorted(PINNED)
    for name in PINNED:
        assert getattr(copydesk, name) is not None


def test_config_rejects_inconsistent_values_with_a_hint() -> None:
    import pytest

    with pytest.raises(copydesk.ConfigError, match="bands x rows"):
        copydesk.RunConfig(candidates=copydesk.CandidateConfig(bands=10, rows=10))
    with pytest.raises(copydesk.ConfigError, match=r"\[0, 1\]"):
        copydesk.VerifyConfig(containment=2.0)
