"""PyTorch timing of the same MDEQ computations as ModelBenchmark, for ratios measured in one run.

Uses the independent PyTorch implementation of make_reference_fixture.py (torch's own conv2d,
group_norm, batch_norm), CIFAR TINY (cifar/cls_mdeq_TINY.yaml), batch 32, float32, 2 threads:
one f evaluation without graph, and one unrolled training step (NUM_LAYERS = 10 applications of f
from zero, head, cross-entropy, backward). Not the reference's code: its Broyden and implicit
backward are not reproduced here (PERFORMANCE.md has the reference's own step times).

Run:  python bench_reference_f.py [THREADS]   (default 2; prints BENCH-PYTORCH lines)
"""
import sys
import time

import torch
import torch.nn.functional as F

from make_reference_fixture import Mdeq

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.manual_seed(0)
B, REPEATS = 32, 5
model = Mdeq(0, [24, 24], 5, 8, 0, "cls", head_channels=[8, 16], final_chansize=200, num_classes=10)
sd = {k: (v.float().requires_grad_(v.is_floating_point() and "running" not in k)) for k, v in model.sd.items()}
images = torch.randn(B, 3, 32, 32)
labels = torch.randint(0, 10, (B,))


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2], times[0]


with torch.no_grad():
    x0 = model.inject(sd, images, False)
    z = [torch.randn(B, 24, 32, 32), torch.randn(B, 24, 16, 16)]
    model.f(sd, z, x0)
    med, low = timed(lambda: model.f(sd, z, x0)[0][0, 0, 0, 0].item(), 2 * REPEATS)
print(f"BENCH-PYTORCH {torch.__version__} {torch.get_num_threads()} threads: one f evaluation (no graph): median {med * 1e3:.1f} ms, min {low * 1e3:.1f} ms")


def unrolled_step():
    x = model.inject(sd, images, True)
    u = [torch.zeros(B, 24, 32, 32), torch.zeros(B, 24, 16, 16)]
    for _ in range(10):
        u = model.f(sd, u, x)
    loss = F.cross_entropy(model.head(sd, u, True), labels)
    loss.backward()


unrolled_step()
med, low = timed(unrolled_step, REPEATS)
print(f"BENCH-PYTORCH {torch.__version__} {torch.get_num_threads()} threads: training step unrolled: median {med:.2f} s, min {low:.2f} s")
