"""Launched by test_train.py through torchrun (2 CPU processes, gloo): trains the toy model of
the test and saves rank 0's weights."""
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from reproductions.harness.train import TrainConfig, train  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_train import STEPS, toy_batch, toy_loss, toy_model  # noqa: E402

if __name__ == "__main__":
    torch.set_num_threads(1)
    state = train(toy_model(), toy_loss, toy_batch, TrainConfig(steps=STEPS, progress=False, warmup=1))
    if torch.distributed.get_rank() == 0:
        torch.save(state.model.state_dict(), sys.argv[1])
    torch.distributed.destroy_process_group()
