"""Times the ORIGINAL MDEQ code (locuslab/mdeq, which the user checks out; nothing of it is copied
here) on the same measurements as `mdeq model bench`, for ratios measured in one run on one machine.

Usage (normally through bench/side-by-side.sh):
    python original_steps.py --mdeq CHECKOUT --config CONFIG.json [--batch 32] [--threads 2]
                             [--repeats 3] [--modes implicit,unrolled]

CONFIG.json is `mdeq config show --json <config>`: the same resolved config both sides use. Random
weights at the original's own initialisation, random normal images, loss = mean square of the
logits (as `mdeq model bench`). Measured: one f evaluation without graph (the original's
`fullstage` on random states), an evaluation forward (train_step=-1, eval mode), and a training step
(forward, loss, backward; train mode) with train_step = 0 (the unrolled NUM_LAYERS pretraining
step) and train_step = PRETRAIN_STEPS (the equilibrium step with the implicit backward). Prints
BENCH-ORIGINAL lines and, with --json, one JSON object.

The original imports termcolor, tqdm, scipy and yacs, none of which the timed code calls; when they
are not installed, small stand-ins are registered under those names so that the import succeeds.
"""
import argparse
import json
import os
import sys
import time
import types


def stand_in_modules():
    """Registers stand-ins for imports the original makes but the timed code never calls."""
    def missing(name):
        try:
            __import__(name)
            return False
        except ImportError:
            return True

    if missing("termcolor"):
        termcolor = types.ModuleType("termcolor")
        termcolor.colored = lambda text, *args, **kwargs: text
        sys.modules["termcolor"] = termcolor
    if missing("tqdm"):
        tqdm = types.ModuleType("tqdm")
        tqdm.tqdm = lambda iterable=None, *args, **kwargs: iterable
        sys.modules["tqdm"] = tqdm
    if missing("scipy"):
        scipy = types.ModuleType("scipy")
        optimize = types.ModuleType("scipy.optimize")

        def root(*args, **kwargs):
            raise RuntimeError("scipy.optimize.root is not installed (only a stand-in for the import)")

        optimize.root = root
        scipy.optimize = optimize
        sys.modules["scipy"] = scipy
        sys.modules["scipy.optimize"] = optimize


class Config(dict):
    """The resolved config as the original reads it: cfg['MODEL'][...] and cfg.MODEL.EXTRA."""
    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError as e:
            raise AttributeError(key) from e


def to_config(value):
    if isinstance(value, dict):
        return Config({k: to_config(v) for k, v in value.items()})
    if isinstance(value, list):
        return [to_config(v) for v in value]
    return value


def peak_memory(fn):
    """Peak resident bytes during fn() and what it added, as `mdeq model bench` measures them (Linux):
    the C heap's free memory returned to the system, the peak reset, fn run, the peak read."""
    import ctypes

    def status(field):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
        raise OSError(field + " not in /proc/self/status")

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = status("VmRSS:")
    except OSError:
        fn()
        return {"peakBytes": -1, "addedBytes": -1}
    fn()
    peak = status("VmHWM:")
    return {"peakBytes": peak, "addedBytes": max(0, peak - before)}


def timed(fn, repeats):
    """Median and minimum of `repeats` calls after one warm-up call, in seconds."""
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return {"median": times[len(times) // 2], "min": times[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mdeq", required=True, help="a checkout of github.com/locuslab/mdeq")
    parser.add_argument("--config", required=True, help="output of: mdeq config show --json CONFIG")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--modes", default="implicit,unrolled")
    parser.add_argument("--json", action="store_true", help="also print one JSON line with every figure")
    args = parser.parse_args()

    lib = os.path.join(os.path.abspath(args.mdeq), "lib")
    if not os.path.isfile(os.path.join(lib, "models", "mdeq_core.py")):
        sys.exit(f"--mdeq {args.mdeq}: no lib/models/mdeq_core.py there; give a checkout of locuslab/mdeq")
    stand_in_modules()
    import numpy as np
    if not hasattr(np, "int"):
        np.int = int  # the original's segmentation head uses np.int, removed in numpy 1.24
    import torch
    for path in (lib, os.path.join(lib, "models"), os.path.join(lib, "modules")):
        sys.path.insert(0, path)
    from models.mdeq import MDEQClsNet, MDEQSegNet

    with open(args.config) as f:
        cfg = to_config(json.load(f))
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    segmentation = "seg" in cfg["MODEL"]["NAME"] or cfg["DATASET"]["DATASET"] == "cityscapes"
    model = (MDEQSegNet if segmentation else MDEQClsNet)(cfg)
    if cfg["MODEL"]["INIT_WEIGHTS"]:
        model.init_weights()
    if segmentation:
        width, height = cfg["TRAIN"]["IMAGE_SIZE"]
    else:
        width, height = cfg["MODEL"]["IMAGE_SIZE"]
    images = torch.randn(args.batch, 3, height, width)
    pretrain = cfg["TRAIN"]["PRETRAIN_STEPS"]
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": args.batch}

    # one f evaluation without graph, at random states (as the solver's iterations run it)
    model.eval()
    with torch.no_grad():
        x = model.downsample(images)
        x_list = [model.stage0(x) if model.stage0 else x]
        for i in range(1, model.num_branches):
            b, _, h, w = x_list[-1].shape
            x_list.append(torch.zeros(b, model.num_channels[i], h // 2, w // 2))
        z_list = [torch.randn_like(t) for t in x_list]
        model.fullstage._reset(z_list)
        result["f"] = timed(lambda: model.fullstage(z_list, x_list)[0][0, 0, 0, 0].item(), 2 * args.repeats)
        result["evaluation"] = timed(lambda: model(images, train_step=-1)[0, 0].item(), args.repeats)

    model.train()
    steps = {"implicit": pretrain, "unrolled": 0}
    for mode in args.modes.split(","):
        if mode not in steps:
            sys.exit(f"--modes: '{mode}' is not timed for the original (it has: implicit, unrolled)")
        if mode == "implicit" and pretrain < 0:
            sys.exit("TRAIN.PRETRAIN_STEPS is negative: no equilibrium step")

        def step():
            model.zero_grad(set_to_none=True)
            loss = model(images, train_step=steps[mode]).square().mean()
            loss.backward()
            if not torch.isfinite(loss):
                raise RuntimeError(f"{mode} step: the loss is {loss.item()}")

        result[mode] = timed(step, args.repeats)
        result[mode].update(peak_memory(step))

    labels = {"f": "one f evaluation (no graph)", "evaluation": "evaluation forward",
              "implicit": "training step, implicit", "unrolled": "training step, unrolled"}
    for key, label in labels.items():
        if key in result:
            memory = (f", peak memory {result[key]['peakBytes'] / 2**20:.0f} MiB "
                      f"(+{result[key]['addedBytes'] / 2**20:.0f} MiB during the step)"
                      if result[key].get("peakBytes", -1) >= 0 else "")
            print(f"BENCH-ORIGINAL {label}: median {result[key]['median'] * 1e3:.1f} ms, "
                  f"min {result[key]['min'] * 1e3:.1f} ms{memory}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
