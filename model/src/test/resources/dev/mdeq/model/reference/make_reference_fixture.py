"""Makes the PyTorch cross-check fixtures for ReferenceCrossCheckTest.

An independent PyTorch (float64) implementation of the MDEQ network as docs/reference-model.md §1
describes the reference (locuslab/mdeq), written with torch's own GroupNorm, BatchNorm, weight-norm
formula and interpolation. It draws random weights under the reference's state-dict names, runs
the stem, one application of f, the heads and the unrolled forward, and saves inputs, weights and
outputs as .npz. The Java test loads the weights strictly (so names and shapes must agree) and must
reproduce every output.

Run once with any PyTorch (made with 2.13 CPU):  python make_reference_fixture.py
The architectures mirror cls_fixture.yaml and seg_fixture.yaml in this folder.
"""
import numpy as np
import torch
import torch.nn.functional as F

EPS = 1e-5


class Weights:
    """Draws every tensor of the state dict (random, non-trivial values) and remembers it."""

    def __init__(self, seed):
        self.gen = torch.Generator().manual_seed(seed)
        self.sd = {}

    def rand(self, key, *shape, scale=0.3, positive=False):
        t = torch.randn(*shape, generator=self.gen) * scale
        if positive:
            t = t.abs() + 0.5
        self.sd[key] = t
        return t

    def conv(self, key, cout, cin, k, bias=False):
        self.rand(key + ".weight", cout, cin, k, k)
        if bias:
            self.rand(key + ".bias", cout)

    def wconv(self, key, cout, cin, k):
        self.rand(key + ".weight_g", cout, 1, 1, 1, positive=True)
        self.rand(key + ".weight_v", cout, cin, k, k)

    def norm(self, key, c, affine=True, bn=False):
        if affine:
            self.rand(key + ".weight", c, positive=True)
            self.rand(key + ".bias", c)
        if bn:
            self.rand(key + ".running_mean", c, scale=0.1)
            self.rand(key + ".running_var", c, positive=True)
            self.sd[key + ".num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)


def wn(sd, key):
    v, g = sd[key + ".weight_v"], sd[key + ".weight_g"]
    return v * (g / v.contiguous().view(v.size(0), -1).norm(dim=1).view(-1, 1, 1, 1))


def gn(sd, key, x, groups):
    return F.group_norm(x, groups, sd[key + ".weight"], sd[key + ".bias"], EPS)


def bn(sd, key, x, training, momentum, affine=True):
    # Copies of the running statistics: training updates them in place.
    return F.batch_norm(x, sd[key + ".running_mean"], sd[key + ".running_var"],
                        sd.get(key + ".weight") if affine else None, sd.get(key + ".bias") if affine else None,
                        training, momentum, EPS)


class Mdeq:
    def __init__(self, seed, channels, expansion, groups, downsample_times, task, head_channels=None,
                 final_chansize=None, num_classes=None, final_kernel=1, num_layers=1):
        self.c, self.e, self.g, self.ds = channels, expansion, groups, downsample_times
        self.task, self.hc, self.fc, self.nc, self.fk, self.layers = (task, head_channels, final_chansize,
                                                                      num_classes, final_kernel, num_layers)
        self.momentum = 0.1 if task == "cls" else 0.01
        self.n = len(channels)
        self.stage0 = not (downsample_times == 0 and self.n <= 2)
        w = Weights(seed)
        c0 = channels[0]
        w.conv("downsample.0", c0, 3, 3); w.norm("downsample.1", c0, bn=True)
        w.conv("downsample.3", c0, c0, 3); w.norm("downsample.4", c0, bn=True)
        if self.stage0:
            w.conv("stage0.0", c0, c0, 1); w.norm("stage0.1", c0, bn=True)
        for i, ci in enumerate(channels):
            b = f"fullstage.branches.{i}.blocks.0"
            w.wconv(b + ".conv1", expansion * ci, ci, 3); w.norm(b + ".gn1", expansion * ci)
            w.wconv(b + ".conv2", ci, expansion * ci, 3); w.norm(b + ".gn2", ci); w.norm(b + ".gn3", ci)
        for i in range(self.n):
            for j in range(self.n):
                key = f"fullstage.fuse_layers.{i}.{j}.net"
                if j > i:
                    w.conv(key + ".conv", channels[i], channels[j], 1); w.norm(key + ".gnorm", channels[i])
                elif j < i:
                    cin = channels[j]
                    for k in range(i - j):
                        cout = channels[i] if k == i - j - 1 else cin
                        w.conv(f"{key}.{k}.conv", cout, cin, 3); w.norm(f"{key}.{k}.gnorm", cout)
        for i, ci in enumerate(channels):
            w.wconv(f"fullstage.post_fuse_layers.{i}.conv", ci, ci, 1)
            w.norm(f"fullstage.post_fuse_layers.{i}.gnorm", ci)
        if task == "cls":
            for i, ci in enumerate(channels):
                h, key = head_channels[i], f"incre_modules.{i}.0"
                w.conv(key + ".conv1", h, ci, 1); w.norm(key + ".bn1", h, affine=False, bn=True)
                w.conv(key + ".conv2", h, h, 3); w.norm(key + ".bn2", h, affine=False, bn=True)
                w.conv(key + ".conv3", 4 * h, h, 1); w.norm(key + ".bn3", 4 * h, affine=False, bn=True)
                if ci != 4 * h:
                    w.conv(key + ".downsample.0", 4 * h, ci, 1); w.norm(key + ".downsample.1", 4 * h, bn=True)
            for i in range(self.n - 1):
                w.conv(f"downsamp_modules.{i}.0", 4 * head_channels[i + 1], 4 * head_channels[i], 3, bias=True)
                w.norm(f"downsamp_modules.{i}.1", 4 * head_channels[i + 1], bn=True)
            w.conv("final_layer.0", final_chansize, 4 * head_channels[-1], 1, bias=True)
            w.norm("final_layer.1", final_chansize, bn=True)
            w.rand("classifier.weight", num_classes, final_chansize)
            w.rand("classifier.bias", num_classes)
        else:
            s = sum(channels)
            w.conv("last_layer.0", s, s, 1, bias=True); w.norm("last_layer.1", s, bn=True)
            w.conv("last_layer.3", num_classes, s, final_kernel, bias=True)
        self.sd = w.sd

    def inject(self, sd, x, training):
        s1 = 2 if self.ds >= 1 else 1
        s2 = 2 if self.ds >= 2 else 1
        x = F.relu(bn(sd, "downsample.1", F.conv2d(x, sd["downsample.0.weight"], None, s1, 1), training, self.momentum))
        x = F.relu(bn(sd, "downsample.4", F.conv2d(x, sd["downsample.3.weight"], None, s2, 1), training, self.momentum))
        if self.stage0:
            x = F.relu(bn(sd, "stage0.1", F.conv2d(x, sd["stage0.0.weight"]), training, self.momentum))
        return x

    def f(self, sd, z, x0):
        blocks = []
        for i in range(self.n):
            b = f"fullstage.branches.{i}.blocks.0"
            out = F.relu(gn(sd, b + ".gn1", F.conv2d(z[i], wn(sd, b + ".conv1"), None, 1, 1), self.g))
            out = F.conv2d(out, wn(sd, b + ".conv2"), None, 1, 1)
            if i == 0:
                out = out + x0
            out = gn(sd, b + ".gn2", out, self.g)
            out = gn(sd, b + ".gn3", F.relu(out + z[i]), self.g)
            blocks.append(out)
        out = []
        for i in range(self.n):
            y = 0
            for j in range(self.n):
                key = f"fullstage.fuse_layers.{i}.{j}.net"
                if j == i:
                    t = blocks[j]
                elif j > i:
                    t = gn(sd, key + ".gnorm", F.conv2d(blocks[j], sd[key + ".conv.weight"]), self.g)
                    t = F.interpolate(t, scale_factor=2 ** (j - i), mode="nearest")
                else:
                    t = blocks[j]
                    for k in range(i - j):
                        t = gn(sd, f"{key}.{k}.gnorm", F.conv2d(t, sd[f"{key}.{k}.conv.weight"], None, 2, 1), self.g)
                        if k != i - j - 1:
                            t = F.relu(t)
                y = y + t
            p = f"fullstage.post_fuse_layers.{i}"
            out.append(gn(sd, p + ".gnorm", F.conv2d(F.relu(y), wn(sd, p + ".conv")), self.g // 2))
        return out

    def head(self, sd, z, training):
        m = self.momentum
        if self.task == "seg":
            h, w = z[0].shape[2:]
            y = torch.cat([z[0]] + [F.interpolate(t, size=(h, w), mode="bilinear", align_corners=True)
                                    for t in z[1:]], 1)
            y = F.relu(bn(sd, "last_layer.1", F.conv2d(y, sd["last_layer.0.weight"], sd["last_layer.0.bias"]),
                          training, m))
            return F.conv2d(y, sd["last_layer.3.weight"], sd["last_layer.3.bias"], 1, 1 if self.fk == 3 else 0)

        def bottleneck(i, x):
            key = f"incre_modules.{i}.0"
            out = F.relu(bn(sd, key + ".bn1", F.conv2d(x, sd[key + ".conv1.weight"]), training, m, affine=False))
            out = F.relu(bn(sd, key + ".bn2", F.conv2d(out, sd[key + ".conv2.weight"], None, 1, 1), training, m,
                            affine=False))
            out = bn(sd, key + ".bn3", F.conv2d(out, sd[key + ".conv3.weight"]), training, m, affine=False)
            res = x
            if key + ".downsample.0.weight" in sd:
                res = bn(sd, key + ".downsample.1", F.conv2d(x, sd[key + ".downsample.0.weight"]), training, m)
            return F.relu(out + res)

        y = bottleneck(0, z[0])
        for i in range(self.n - 1):
            d = F.conv2d(y, sd[f"downsamp_modules.{i}.0.weight"], sd[f"downsamp_modules.{i}.0.bias"], 2, 1)
            y = bottleneck(i + 1, z[i + 1]) + F.relu(bn(sd, f"downsamp_modules.{i}.1", d, training, m))
        y = F.relu(bn(sd, "final_layer.1", F.conv2d(y, sd["final_layer.0.weight"], sd["final_layer.0.bias"]),
                      training, m))
        y = F.avg_pool2d(y, kernel_size=y.size()[2:]).view(y.size(0), -1)
        return F.linear(y, sd["classifier.weight"], sd["classifier.bias"])


def fixture(name, model, batch, height, width, seed):
    gen = torch.Generator().manual_seed(seed)
    images = torch.randn(batch, 3, height, width, generator=gen)
    sd = {k: v.clone() for k, v in model.sd.items()}
    x0 = model.inject(sd, images, False)
    shapes = [x0.shape]
    for i in range(1, model.n):
        b, _, h, w = shapes[-1]
        shapes.append((b, model.c[i], h // 2, w // 2))
    z = [torch.randn(*s, generator=gen) for s in shapes]
    fz = model.f(sd, z, x0)
    out = {"images": images, "x0": x0, "head_eval": model.head(sd, z, False),
           "z_vec": torch.cat([t.reshape(batch, -1, 1) for t in z], 1).squeeze(2)}
    for i in range(model.n):
        out[f"z.{i}"] = z[i]
        out[f"fz.{i}"] = fz[i]
    # Unrolled forward from a zero state (the reference's default train_step=0 path), eval mode.
    u = [torch.zeros(*s) for s in shapes]
    for _ in range(model.layers):
        u = model.f(sd, u, x0)
    out["unrolled_eval"] = model.head(sd, u, False)
    # Training mode: batch statistics in the stem and head, running statistics updated in place.
    train_sd = {k: v.clone() for k, v in model.sd.items()}
    out["x0_train"] = model.inject(train_sd, images, True)
    out["head_train"] = model.head(train_sd, z, True)
    out["train.downsample.1.running_mean"] = train_sd["downsample.1.running_mean"]
    out["train.downsample.1.running_var"] = train_sd["downsample.1.running_var"]
    np.savez(f"{name}_weights.npz", **{k: v.numpy() for k, v in model.sd.items()})
    np.savez(f"{name}_expected.npz", **{k: v.detach().numpy() for k, v in out.items()})


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    fixture("cls", Mdeq(1, [4, 8, 12], 2, 2, 0, "cls", head_channels=[2, 3, 4], final_chansize=10, num_classes=5,
                        num_layers=3), 2, 16, 16, 11)
    fixture("seg", Mdeq(2, [4, 8], 2, 2, 2, "seg", num_classes=19, final_kernel=3, num_layers=2), 2, 32, 48, 12)
