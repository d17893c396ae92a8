"""Makes the fixture of ReferenceTestPathTest: predictions of the reference's own segmentation test.

Runs the reference implementation itself (a checkout of locuslab/mdeq, commit 20e8a40; nothing of
it is copied here) on the CPU: its MDEQSegNet with the architecture of experiments/demo/
seg_mdeq_tiny.yaml, and its test path Cityscapes.multi_scale_inference -> BaseDataset.inference,
as tools/seg_test.py testval calls it, on one 32x64 image with TEST.BASE_SIZE 64 and
TEST.IMAGE_SIZE [64, 32] (windows of 32x64). Writes:

  seg_test_weights.npz   the model's state dict (reference names; fullstage_copy.* and deq.*,
                         aliases a loader drops, left out)
  seg_test_expected.npz  image (1, 3, 32, 64); per case <case>.prediction (32, 64) int64, the
                         argmax of the score map; for the cases of SCORES also <case>.scores
                         (1, 19, 32, 64), the map itself

Cases: single (SCALE_LIST [1]), half ([0.5]: a 16x32 pass resized to the image), multi ([0.5, 1,
1.5]: 1.5 is 48x96 in 2x2 windows), flip (single with FLIP_TEST) and multi_flip; each as the reference computes it, and as corrected_<case> with
the reference patched to the corrected behaviour (TEST.REFERENCE_EXACT false): inference's
upsampling with align_corners=True and the mirrored pass with train_step=-1 (equilibrium).

The weights are drawn (seeded) with a larger spread than the reference's N(0, 0.01)
initialisation, so that predictions vary over the image and the unrolled and equilibrium mirrored
passes differ; BatchNorm running statistics are random too.

Run once (made with PyTorch 2.13 CPU, numpy 2.4, opencv-python-headless 5.0, pillow, termcolor):
    python make_seg_test_fixture.py /path/to/locuslab-mdeq
"""
import importlib
import math
import sys
import types
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# The reference is CUDA-only code of 2020; these shims run it unchanged on the CPU and numpy 2.
np.int = int
torch.Tensor.cuda = lambda self, *args, **kwargs: self

SEED = 19
HEIGHT, WIDTH = 32, 64
BASE_SIZE = 64
CROP = (32, 64)  # (h, w) = (TEST.IMAGE_SIZE[1], TEST.IMAGE_SIZE[0])
CASES = {"single": ([1.0], False), "half": ([0.5], False), "multi": ([0.5, 1.0, 1.5], False),
         "flip": ([1.0], True), "multi_flip": ([0.5, 1.0, 1.5], True)}
SCORES = ("single", "multi_flip")  # the score maps of all cases would make the file 1 MB


class Node(dict):
    """yacs-like config node: both cfg['MODEL'] and cfg.MODEL."""

    def __getattr__(self, key):
        return self[key]


def config():
    """experiments/demo/seg_mdeq_tiny.yaml, the keys the reference model reads."""
    stage = Node(NUM_MODULES=1, NUM_BRANCHES=2, BLOCK="BASIC", NUM_BLOCKS=[1, 1], NUM_CHANNELS=[8, 16],
                 FUSE_METHOD="SUM")
    model = Node(NUM_LAYERS=3, DROPOUT=0.05, WNORM=True, F_THRES=8, B_THRES=8, NUM_CLASSES=1000,
                 DOWNSAMPLE_TIMES=2, EXPANSION_FACTOR=2, NUM_GROUPS=4, PRETRAINED="",
                 EXTRA=Node(FINAL_CONV_KERNEL=1, FULL_STAGE=stage))
    return Node(MODEL=model, TRAIN=Node(PRETRAIN_STEPS=60), DATASET=Node(NUM_CLASSES=19))


def load_reference(root):
    lib = root / "lib"
    sys.path[:0] = [str(lib / "models"), str(lib / "modules"), str(lib)]
    mdeq = importlib.import_module("mdeq")
    # lib/datasets/__init__.py imports data sets this needs not; load the package's modules only.
    package = types.ModuleType("datasets")
    package.__path__ = [str(lib / "datasets")]
    sys.modules["datasets"] = package
    base_dataset = importlib.import_module("datasets.base_dataset")
    cityscapes = importlib.import_module("datasets.cityscapes")
    return mdeq, base_dataset, cityscapes


def draw_weights(model, gen):
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            if name.endswith("running_var") or name.endswith("weight_g") or (
                    tensor.dim() == 1 and name.endswith(".weight")):
                tensor.copy_(torch.rand(tensor.shape, generator=gen) + 0.5)
            elif tensor.dim() == 1:
                tensor.copy_(torch.randn(tensor.shape, generator=gen) * 0.2)
            else:
                fan_in = math.prod(tensor.shape[1:])
                tensor.copy_(torch.randn(tensor.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
    # the weight-normalised convolutions use g * v / ||v||, recomputed from the new g, v at every forward


class Corrected:
    """The reference patched to TEST.REFERENCE_EXACT false, for the corrected_* cases."""

    def __init__(self, base_dataset, model):
        self.base_dataset, self.model = base_dataset, model

    def __enter__(self):
        aligned = types.SimpleNamespace(
            upsample=lambda input, size, mode: F.interpolate(input, size=size, mode=mode, align_corners=True))
        self.functional, self.base_dataset.F = self.base_dataset.F, aligned
        self.forward = self.model.forward
        self.model.forward = lambda x, train_step=-1, **kwargs: self.forward(x, train_step=-1, **kwargs)
        return self

    def __exit__(self, *exc):
        self.base_dataset.F = self.functional
        self.model.forward = self.forward


def main():
    root = Path(sys.argv[1])
    mdeq, base_dataset, cityscapes = load_reference(root)
    gen = torch.Generator().manual_seed(SEED)
    model = mdeq.get_seg_net(config())
    draw_weights(model, gen)
    model.eval()
    dataset = cityscapes.Cityscapes.__new__(cityscapes.Cityscapes)  # no list file: only the test's settings
    dataset.base_size, dataset.crop_size, dataset.num_classes = BASE_SIZE, CROP, 19
    image = torch.randn(1, 3, HEIGHT, WIDTH, generator=gen)

    out = {"image": image.numpy()}
    with torch.no_grad():
        for corrected in (False, True):
            for case, (scales, flip) in CASES.items():
                name = ("corrected_" if corrected else "") + case
                if corrected:
                    with Corrected(base_dataset, model):
                        scores = dataset.multi_scale_inference(model, image, scales=scales, flip=flip)
                else:
                    scores = dataset.multi_scale_inference(model, image, scales=scales, flip=flip)
                if name in SCORES:
                    out[name + ".scores"] = scores.numpy().astype(np.float32)
                out[name + ".prediction"] = scores.argmax(1)[0].numpy().astype(np.int64)
                top2 = scores.topk(2, dim=1).values[0]
                margin = ((top2[0] - top2[1]) / top2[0].abs()).min().item()
                print(f"{name}: classes {np.unique(out[name + '.prediction']).tolist()}, "
                      f"smallest relative top-2 margin {margin:.2e}")
    for case in CASES:
        changed = (out[case + ".prediction"] != out["corrected_" + case + ".prediction"]).sum()
        print(f"{case}: {changed} of {HEIGHT * WIDTH} pixels differ between reference and corrected")
    weights = {k: v.numpy() for k, v in model.state_dict().items()
               if not k.startswith("fullstage_copy.") and not k.startswith("deq.")}
    np.savez("seg_test_weights.npz", **weights)
    np.savez_compressed("seg_test_expected.npz", **out)


if __name__ == "__main__":
    main()
