"""Settings shared by the whole suite: the smoke thread count and the skipping of GPU tests.

The suite runs in two worker processes (``pytest -n 2``, see the Makefile), one per core of the
2-core CI machine, so every test and every model trained here uses one torch thread, the thread
count the committed smoke records were made with (``harness.train.SMOKE_CPU_THREADS``). Tests
that share a trained model carry ``pytest.mark.xdist_group``, which keeps them on one worker,
where the model is trained once.
"""
import pytest


@pytest.fixture(scope="session", autouse=True)
def _smoke_threads():
    from reproductions.harness.train import fix_cpu_threads
    fix_cpu_threads()


def pytest_collection_modifyitems(config, items):
    gpu = [item for item in items if "gpu" in item.keywords]
    if not gpu:
        return
    import torch
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA (full-scale claim)")
    for item in gpu:
        item.add_marker(skip)
