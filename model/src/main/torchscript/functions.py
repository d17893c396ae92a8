"""Writes the TorchScript functions behind dev.mdeq.model.layers (DJL's engine exposes neither
operation) into model/src/main/resources/dev/mdeq/model/layers/:

- group_norm.pt: PyTorch's own fused group norm (GroupNorm);
- relu_.pt: ReLU in place, for f in every mode (TorchOps.reluInPlace).

Run from the repository root with any PyTorch (the archive format, version 3, is read by libtorch
1.x and 2.x alike):

    python model/src/main/torchscript/functions.py
"""
import pathlib
import tempfile
import zipfile

import torch


class GroupNorm(torch.nn.Module):
    def forward(self, x: torch.Tensor, groups: torch.Tensor, weight: torch.Tensor,
                bias: torch.Tensor) -> torch.Tensor:
        # DJL calls TorchScript with autograd only through tensor arguments, so the number of
        # groups arrives as the length of `groups` (reading a shape never waits for a GPU).
        # The epsilon is nn.GroupNorm's default, as in the reference model.
        return torch.group_norm(x, groups.size(0), weight, bias, 1e-5)


class ReluInPlace(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu_(x)


def write(module: torch.nn.Module, name: str) -> None:
    out = pathlib.Path("model/src/main/resources/dev/mdeq/model/layers") / name
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        scripted_path = pathlib.Path(tmp) / name
        torch.jit.script(module).save(str(scripted_path))
        # Drop the optional debug tables: they only map code to this file's absolute path.
        with zipfile.ZipFile(scripted_path) as scripted:
            entries = {e.filename: (e, scripted.read(e)) for e in scripted.infolist()
                       if not e.filename.endswith(".debug_pkl")}
    if out.exists() and contents(out) == contents_of(entries):
        print(f"{out} is up to date")  # only the archive's random serialization id would change
        return
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for entry, data in entries.values():
            archive.writestr(entry, data)
    print(f"wrote {out}")


def contents_of(entries):
    return {name: data for name, (_, data) in entries.items() if not name.endswith("serialization_id")}


def contents(path: pathlib.Path):
    with zipfile.ZipFile(path) as archive:
        return {e.filename: archive.read(e) for e in archive.infolist() if not e.filename.endswith("serialization_id")}


write(GroupNorm(), "group_norm.pt")
write(ReluInPlace(), "relu_.pt")
