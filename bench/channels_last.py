"""Times a 3x3 convolution and a group norm on MDEQ's state shapes in PyTorch's two memory layouts
(contiguous NCHW and channels-last), forward alone and forward plus backward, so that the layout's
gain can be judged for a given PyTorch build before the model is changed to use it
(docs/benchmarks.md, third round). Best of 10 after two warm-up calls, in milliseconds.

    python bench/channels_last.py [--batch 32] [--channels 24] [--sizes 32,16] [--groups 8] [--threads 2]
"""
import argparse
import time

import torch


def best_ms(fn, repeats=10):
    fn()
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--channels", type=int, default=24)
    parser.add_argument("--sizes", default="32,16", help="heights (= widths) of the branches")
    parser.add_argument("--groups", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    c = args.channels
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch}, {c} channels, "
          f"{args.groups} groups")
    print(f"{'size':>5} {'layout':>14} {'conv fwd':>9} {'conv f+b':>9} {'GN fwd':>8} {'GN f+b':>8}  (ms)")
    for size in (int(s) for s in args.sizes.split(",")):
        for layout in (torch.contiguous_format, torch.channels_last):
            x = torch.randn(args.batch, c, size, size).contiguous(memory_format=layout)
            seed = torch.randn(args.batch, c, size, size).contiguous(memory_format=layout)
            weight = torch.randn(c, c, 3, 3) * 0.1
            gain, shift = torch.ones(c), torch.zeros(c)

            def conv_backward():
                xi, wi = x.detach().requires_grad_(), weight.detach().requires_grad_()
                torch.nn.functional.conv2d(xi, wi, padding=1).backward(seed)

            def norm_backward():
                xi, gi, si = (t.detach().requires_grad_() for t in (x, gain, shift))
                torch.group_norm(xi, args.groups, gi, si).backward(seed)

            with torch.no_grad():
                conv = best_ms(lambda: torch.nn.functional.conv2d(x, weight, padding=1))
                norm = best_ms(lambda: torch.group_norm(x, args.groups, gain, shift))
            name = "channels-last" if layout is torch.channels_last else "NCHW"
            print(f"{size:>5} {name:>14} {conv:>9.2f} {best_ms(conv_backward):>9.2f} {norm:>8.2f} "
                  f"{best_ms(norm_backward):>8.2f}")


if __name__ == "__main__":
    main()
