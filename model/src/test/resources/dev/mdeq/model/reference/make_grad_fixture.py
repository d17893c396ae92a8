"""Makes the fixture of ModelGradReferenceTest (trainer/.../cli): the original code's training gradients.

Runs the reference implementation itself (a checkout of locuslab/mdeq, commit 20e8a40; nothing of
it is copied here) on the CPU in float64: its MDEQClsNet / MDEQSegNet with the architectures of
cls_fixture.yaml and seg_fixture.yaml in this folder (dropout 0), TRAIN.PRETRAIN_STEPS 1, in
training mode, on seeded weights, a seeded batch and seeded labels, with the training loss of
tools/cls_train.py (nn.CrossEntropyLoss) and tools/seg_train.py (lib/core/seg_criterion.py's
CrossEntropy, ignore label 255, no class weights), and one loss.backward(), as one step of
core/cls_function.train / core/seg_function.train computes it without the optimizer step:

  unrolled   model(x, train_step=0): 0 <= step < PRETRAIN_STEPS, NUM_LAYERS weight-tied f from 0
  implicit   model(x, train_step=1): the Broyden forward solve, f(z*) with graph, and the
             reference's DEQModule2d.Backward hook (the adjoint Broyden)

Cases (weights file, mode):
  cls_unrolled      grad_cls_weights.npz   unrolled
  cls_implicit      grad_cls_weights.npz   implicit; the adjoint's lowest-residual iterate is its first
                                           (w = g), so f's parameters get a gradient
  cls_implicit_zero cls_weights.npz        implicit; the weights of the forward cross-check, at which
                                           the adjoint's residual never beats its zero start, so the
                                           reference returns 0 and f, stage0 and the stem get exactly
                                           zero gradient
  seg_unrolled      grad_seg_weights.npz   unrolled
  seg_implicit_zero grad_seg_weights.npz   implicit; here the adjoint never improves
  seg_implicit      seg_weights.npz        implicit; the forward cross-check's weights, at which the
                                           adjoint's best iterate is its third (Broyden updates used)

Writes grad_cls_weights.npz and grad_seg_weights.npz (state dicts in the reference's names,
float32 values; fullstage_copy.* and deq.*, aliases a loader drops, left out) and
grad_expected.npz with the batches cls.x, seg.x ((B, 3, H, W) float32) and labels cls.y (B,),
seg.y (B, H, W) (int64, 10% of the pixels the ignore label), and per case <case>.loss,
<case>.grad.<name> for every parameter of the reference's named_parameters() that requires grad
(stored as float32 to keep the file small: that rounding, ~5e-8 relative, is what the float64
comparison then measures; with float64 gradients it measured <= 2.5e-14), and for the implicit cases
<case>.forward.steps, .forward.lowest_step, .backward.steps, .backward.lowest_step (the
reference's broyden results). The drawn weights have a larger spread than the reference's
initialisation (as the evaluator's make_seg_test_fixture.py), so that the gradients are not
dominated by a few entries; at these weights and F_THRES 8 the forward solve is far from converged
(the reference's behaviour, reproduced, not the true equilibrium gradient).

Run once (made with PyTorch 2.13 CPU, numpy 2.4, scipy, termcolor, tqdm; it reads cls_weights.npz
and seg_weights.npz and writes its three files next to itself; about 20 s):
    python make_grad_fixture.py /path/to/locuslab-mdeq
"""
import importlib
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

# The reference is CUDA-only code of 2020; these shims run it unchanged on the CPU and numpy 2.
np.int = int
torch.Tensor.cuda = lambda self, *args, **kwargs: self

HERE = Path(__file__).resolve().parent
IGNORE = 255


class Node(dict):
    """yacs-like config node: both cfg['MODEL'] and cfg.MODEL."""

    def __getattr__(self, key):
        return self[key]


def cls_config():
    """cls_fixture.yaml, the keys the reference model reads."""
    stage = Node(NUM_MODULES=1, NUM_BRANCHES=3, BLOCK="BASIC", NUM_BLOCKS=[1, 1, 1], NUM_CHANNELS=[4, 8, 12],
                 FUSE_METHOD="SUM", HEAD_CHANNELS=[2, 3, 4], FINAL_CHANSIZE=10)
    model = Node(NUM_LAYERS=3, DROPOUT=0.0, WNORM=True, F_THRES=8, B_THRES=8, NUM_CLASSES=5,
                 DOWNSAMPLE_TIMES=0, EXPANSION_FACTOR=2, NUM_GROUPS=2, PRETRAINED="",
                 EXTRA=Node(FULL_STAGE=stage))
    return Node(MODEL=model, TRAIN=Node(PRETRAIN_STEPS=1), DATASET=Node(NUM_CLASSES=5))


def seg_config():
    """seg_fixture.yaml, the keys the reference model reads."""
    stage = Node(NUM_MODULES=1, NUM_BRANCHES=2, BLOCK="BASIC", NUM_BLOCKS=[1, 1], NUM_CHANNELS=[4, 8],
                 FUSE_METHOD="SUM")
    model = Node(NUM_LAYERS=2, DROPOUT=0.0, WNORM=True, F_THRES=8, B_THRES=8, NUM_CLASSES=1000,
                 DOWNSAMPLE_TIMES=2, EXPANSION_FACTOR=2, NUM_GROUPS=2, PRETRAINED="",
                 EXTRA=Node(FINAL_CONV_KERNEL=3, FULL_STAGE=stage))
    return Node(MODEL=model, TRAIN=Node(PRETRAIN_STEPS=1), DATASET=Node(NUM_CLASSES=19))


SOLVES = []  # the reference's broyden results of the current case, in call order


def load_reference(root):
    lib = root / "lib"
    sys.path[:0] = [str(lib / "models"), str(lib / "modules"), str(lib)]
    mdeq = importlib.import_module("mdeq")
    criterion = importlib.import_module("core.seg_criterion")
    # Observation only: record what the reference's broyden returns. deq2d.py is imported twice, as
    # deq2d (mdeq_core) and modules.deq2d (mdeq_forward_backward, whose classes run); patch both.
    broyden = sys.modules["modules.broyden"].broyden

    def recording(*args, **kwargs):
        info = broyden(*args, **kwargs)
        SOLVES.append((kwargs.get("name"), info))
        return info

    for module in ("deq2d", "modules.deq2d"):
        sys.modules[module].broyden = recording
    return mdeq, criterion


def draw_weights(model, gen, g_scale):
    """Seeded values for every parameter and buffer; weight_g times g_scale sets how contractive f is."""
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            if name.endswith("weight_g"):
                value = (torch.rand(tensor.shape, generator=gen) + 0.5) * g_scale
            elif name.endswith("running_var") or (tensor.dim() == 1 and name.endswith(".weight")):
                value = torch.rand(tensor.shape, generator=gen) + 0.5
            elif tensor.dim() == 1:
                value = torch.randn(tensor.shape, generator=gen) * 0.2
            else:
                fan_in = math.prod(tensor.shape[1:])
                value = torch.randn(tensor.shape, generator=gen) * (2.0 / fan_in) ** 0.5
            tensor.copy_(value.float().double())  # float32 values, so the .npz holds them exactly


def weights_of(model):
    return {k: v for k, v in model.state_dict().items()
            if not k.startswith("fullstage_copy.") and not k.startswith("deq.")}


def load_weights(model, path):
    state = {k: torch.from_numpy(v).to(torch.float64 if v.dtype.kind == "f" else torch.int64)
             for k, v in np.load(path).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert all(k.startswith("fullstage_copy.") or k.startswith("deq.") for k in missing), missing


def step(model, loss_fn, x, y, train_step):
    """One training forward and backward, as core/cls_function.train and core/seg_function.train."""
    SOLVES.clear()
    model.train()
    model.zero_grad(set_to_none=True)
    output = model(x, train_step=train_step)
    loss = loss_fn(output, y)
    loss.backward()
    grads = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            grads[name] = (p.grad if p.grad is not None else torch.zeros_like(p)).detach().clone()
    return loss.item(), grads, list(SOLVES)


def record(out, case, loss, grads, solves):
    out[case + ".loss"] = np.array(loss)
    for name, g in grads.items():
        out[f"{case}.grad.{name}"] = g.numpy().astype(np.float32)
    for name, info in solves:
        out[f"{case}.{name}.lowest_step"] = np.array(info["lowest_step"], dtype=np.int64)
        out[f"{case}.{name}.steps"] = np.array(info["nstep"], dtype=np.int64)
    described = ", ".join(f"{name} {info['nstep']} steps, lowest {info['lowest_step']}, residual "
                          f"{info['diff']:.3g} (start {info['trace'][0]:.3g})" for name, info in solves)
    f_norm = math.sqrt(sum(float(g.square().sum()) for n, g in grads.items() if n.startswith("fullstage.")))
    print(f"{case}: loss {loss:.6f}, |grad f| {f_norm:.4g}; {described}")


def main():
    torch.set_default_dtype(torch.float64)
    root = Path(sys.argv[1])
    mdeq, criterion = load_reference(root)
    gen = torch.Generator().manual_seed(12)
    out = {}

    cls = mdeq.get_cls_net(cls_config()).double()
    draw_weights(cls, gen, 0.5)
    np.savez(HERE / "grad_cls_weights.npz", **{k: v.numpy().astype(np.float32 if v.is_floating_point() else np.int64)
                                               for k, v in weights_of(cls).items()})
    x = torch.randn(2, 3, 16, 16, generator=gen).float().double()
    y = torch.tensor([3, 0])
    out["cls.x"], out["cls.y"] = x.numpy().astype(np.float32), y.numpy()
    ce = nn.CrossEntropyLoss()
    record(out, "cls_unrolled", *step(cls, ce, x, y, 0))
    record(out, "cls_implicit", *step(cls, ce, x, y, 1))
    load_weights(cls, HERE / "cls_weights.npz")
    record(out, "cls_implicit_zero", *step(cls, ce, x, y, 1))

    seg = mdeq.get_seg_net(seg_config()).double()
    draw_weights(seg, gen, 0.5)
    np.savez(HERE / "grad_seg_weights.npz", **{k: v.numpy().astype(np.float32 if v.is_floating_point() else np.int64)
                                               for k, v in weights_of(seg).items()})
    x = torch.randn(2, 3, 32, 48, generator=gen).float().double()
    y = torch.randint(0, 19, (2, 32, 48), generator=gen)
    y[torch.rand(2, 32, 48, generator=gen) < 0.1] = IGNORE
    out["seg.x"], out["seg.y"] = x.numpy().astype(np.float32), y.numpy()
    seg_loss = criterion.CrossEntropy(ignore_label=IGNORE)
    record(out, "seg_unrolled", *step(seg, seg_loss, x, y, 0))
    record(out, "seg_implicit_zero", *step(seg, seg_loss, x, y, 1))
    load_weights(seg, HERE / "seg_weights.npz")
    record(out, "seg_implicit", *step(seg, seg_loss, x, y, 1))

    np.savez_compressed(HERE / "grad_expected.npz", **out)


if __name__ == "__main__":
    main()
