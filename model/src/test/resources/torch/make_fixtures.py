#!/usr/bin/env python3
"""Writes the PyTorch checkpoint fixtures of dev.mdeq.model.weights.torch's tests.

Run once with a real PyTorch (see README.md next to this file); the tests only read the files it
writes and never need Python:

    /usr/bin/python3 make_fixtures.py torch-1.13          # Debian's python3-torch 1.13
    VENV/bin/python make_fixtures.py torch-2.13 --compat  # the CPU wheel in /opt/wheels

Each output folder gets the checkpoint files plus expected.json / expected.bin: for every good file
its format, kind, ordered state-dict entries and model entries, each pointing at the tensor's
expected values (row-major, little-endian, already converted to the dtype the Java reader returns:
float16/bfloat16 -> float32, int32/int16/int8/uint8/bool -> int64). The values are written with
struct from tensor.tolist(), not from torch's storage bytes, so they are an independent record.
"""
import argparse
import collections
import json
import os
import pickle
import struct
import sys
import zipfile

import torch

# experiments/demo/cls_mdeq_tiny.yaml
NUM_CHANNELS = [8, 16]
EXPANSION = 2
HEAD_CHANNELS = [4, 8]
FINAL_CHANSIZE = 32
NUM_CLASSES = 10
DOWNSAMPLE_TIMES = 0
BOTTLENECK_EXPANSION = 4

# Names of the BN buffers made by tiny_mdeq_state_dict (everything else it makes is a parameter).
BUFFERS = set()

# What the malicious fixtures would do if a reader executed them: create this file.
MARKER = "/tmp/mdeq-torchimport-malicious-marker"

# Class weights of the reference's Cityscapes loss (FullModel's loss.criterion.weight).
CITYSCAPES_CLASS_WEIGHTS = [0.8373, 0.918, 0.866, 1.0345, 1.0166, 0.9969, 0.9754, 1.0489, 0.8786, 1.0023,
                            0.9539, 0.9843, 1.1116, 0.9037, 1.0865, 1.0955, 1.0865, 1.1529, 1.0507]


def tiny_mdeq_state_dict():
    """The MDEQClsNet state dict of the tiny preset, with the reference's names and shapes (docs/reference-model.md §6)."""
    gen = torch.Generator().manual_seed(20200616)
    sd = collections.OrderedDict()
    versions = collections.OrderedDict()  # state_dict()'s _metadata: module path -> {'version': v}

    def rnd(*shape):
        return torch.randn(*shape, generator=gen) * 0.1

    def module(path, version=1):
        versions[path] = {'version': version}

    def conv(path, c_out, c_in, k, bias=False):
        module(path)
        sd[path + '.weight'] = rnd(c_out, c_in, k, k)
        if bias:
            sd[path + '.bias'] = rnd(c_out)

    def wnorm_conv(path, c_out, c_in, k):
        module(path)
        v = rnd(c_out, c_in, k, k)
        sd[path + '.weight_g'] = v.flatten(1).norm(dim=1).reshape(c_out, 1, 1, 1) * (1 + rnd(c_out, 1, 1, 1))
        sd[path + '.weight_v'] = v

    def norm(path, n, version=1):
        module(path, version)
        sd[path + '.weight'] = 1 + rnd(n)
        sd[path + '.bias'] = rnd(n)

    def bn(path, n, affine=True):
        module(path, 2)
        if affine:
            sd[path + '.weight'] = 1 + rnd(n)
            sd[path + '.bias'] = rnd(n)
        sd[path + '.running_mean'] = rnd(n)
        sd[path + '.running_var'] = 0.5 + torch.rand(n, generator=gen)
        sd[path + '.num_batches_tracked'] = torch.tensor(1000 + len(sd), dtype=torch.int64)
        BUFFERS.update(path + suffix for suffix in ('.running_mean', '.running_var', '.num_batches_tracked'))

    c0 = NUM_CHANNELS[0]
    n = len(NUM_CHANNELS)
    # Stem (docs/reference-model.md §1.1): Sequential(conv, BN, ReLU, conv, BN, ReLU).
    conv('downsample.0', c0, 3, 3)
    bn('downsample.1', c0)
    conv('downsample.3', c0, c0, 3)
    bn('downsample.4', c0)
    if not (DOWNSAMPLE_TIMES == 0 and n <= 2):
        conv('stage0.0', c0, c0, 1)
        bn('stage0.1', c0)

    def fullstage(prefix):
        # MDEQModule (docs/reference-model.md §1.2): branches, fuse_layers, post_fuse_layers.
        for i, c in enumerate(NUM_CHANNELS):
            block = f'{prefix}.branches.{i}.blocks.0'
            wnorm_conv(block + '.conv1', EXPANSION * c, c, 3)
            norm(block + '.gn1', EXPANSION * c)
            wnorm_conv(block + '.conv2', c, EXPANSION * c, 3)
            norm(block + '.gn2', c)
            norm(block + '.gn3', c)
        for i, ci in enumerate(NUM_CHANNELS):
            for j, cj in enumerate(NUM_CHANNELS):
                path = f'{prefix}.fuse_layers.{i}.{j}.net'
                if j > i:
                    conv(path + '.conv', ci, cj, 1)
                    norm(path + '.gnorm', ci)
                elif j < i:
                    for s in range(i - j):
                        c_out = ci if s == i - j - 1 else cj
                        conv(f'{path}.{s}.conv', c_out, cj, 3)
                        norm(f'{path}.{s}.gnorm', c_out)
        for i, c in enumerate(NUM_CHANNELS):
            wnorm_conv(f'{prefix}.post_fuse_layers.{i}.conv', c, c, 1)
            norm(f'{prefix}.post_fuse_layers.{i}.gnorm', c)

    fullstage('fullstage')
    # fullstage_copy (docs/reference-model.md §1.8): plain weights w = g v / ||v||, GN affine copied.
    for key in [k for k in sd if k.startswith('fullstage.')]:
        copy_key = 'fullstage_copy.' + key[len('fullstage.'):]
        if key.endswith('.weight_g'):
            continue
        if key.endswith('.weight_v'):
            v = sd[key]
            g = sd[key[:-len('_v')] + '_g']
            sd[copy_key[:-len('_v')]] = v * (g / v.flatten(1).norm(dim=1).reshape(-1, 1, 1, 1))
        else:
            sd[copy_key] = sd[key].clone()
    # deq.func / deq.func_copy: the same modules registered again, so the same tensors (shared storages).
    for key in [k for k in sd if k.startswith('fullstage.')]:
        sd['deq.func.' + key[len('fullstage.'):]] = sd[key]
    for key in [k for k in sd if k.startswith('fullstage_copy.')]:
        sd['deq.func_copy.' + key[len('fullstage_copy.'):]] = sd[key]

    # Classification head (docs/reference-model.md §1.5).
    out_channels = [BOTTLENECK_EXPANSION * h for h in HEAD_CHANNELS]
    for i, (c, h) in enumerate(zip(NUM_CHANNELS, HEAD_CHANNELS)):
        path = f'incre_modules.{i}.0'
        conv(path + '.conv1', h, c, 1)
        bn(path + '.bn1', h, affine=False)
        conv(path + '.conv2', h, h, 3)
        bn(path + '.bn2', h, affine=False)
        conv(path + '.conv3', 4 * h, h, 1)
        bn(path + '.bn3', 4 * h, affine=False)
        if c != 4 * h:
            conv(path + '.downsample.0', 4 * h, c, 1)
            bn(path + '.downsample.1', 4 * h)
    for i in range(n - 1):
        conv(f'downsamp_modules.{i}.0', out_channels[i + 1], out_channels[i], 3, bias=True)
        bn(f'downsamp_modules.{i}.1', out_channels[i + 1])
    conv('final_layer.0', FINAL_CHANSIZE, out_channels[-1], 1, bias=True)
    bn('final_layer.1', FINAL_CHANSIZE)
    module('classifier')
    sd['classifier.weight'] = rnd(NUM_CLASSES, FINAL_CHANSIZE)
    sd['classifier.bias'] = rnd(NUM_CLASSES)
    sd._metadata = versions
    return sd


def model_entries(state_dict):
    """The entries a loader keeps (docs/reference-model.md §6), written out independently of the Java rules."""
    out = collections.OrderedDict()
    for key, value in state_dict.items():
        if key.startswith('loss.'):
            continue
        if key.startswith('model.'):
            key = key[len('model.'):]
        if key.startswith('fullstage_copy.') or key.startswith('deq.'):
            continue
        out[key] = value
    return out


def training_checkpoint(state_dict):
    """What tools/cls_train.py saves as checkpoint.pth.tar (docs/reference-model.md §6)."""
    params = [torch.nn.Parameter(state_dict['classifier.weight'].clone()),
              torch.nn.Parameter(state_dict['classifier.bias'].clone())]
    optimizer = torch.optim.Adam(params, lr=1e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, 100, eta_min=1e-6)
    sum(p.sum() for p in params).backward()
    optimizer.step()
    scheduler.step()
    return {'epoch': 7, 'model': 'mdeq', 'state_dict': state_dict, 'perf': torch.tensor(83.25),
            'optimizer': optimizer.state_dict(), 'lr_scheduler': scheduler.state_dict()}


def segmentation_state_dict(state_dict):
    """A FullModel state dict: the model under 'model.', then the loss's class weights (docs/reference-model.md §6)."""
    sd = collections.OrderedDict(('model.' + k, v) for k, v in state_dict.items())
    sd['loss.criterion.weight'] = torch.tensor(CITYSCAPES_CLASS_WEIGHTS)
    return sd


def mismatched_state_dict(state_dict):
    """The tiny state dict with one entry missing, one extra and one of the wrong shape (strict loads must list them)."""
    sd = collections.OrderedDict(state_dict)
    for key in ('fullstage.post_fuse_layers.1.gnorm.bias', 'deq.func.post_fuse_layers.1.gnorm.bias'):
        del sd[key]
    sd['classifier.weight'] = torch.full((5, FINAL_CHANSIZE), 0.25)
    sd['aux_head.weight'] = torch.ones(3, FINAL_CHANSIZE)
    return sd


def views():
    """Non-contiguous views, storage offsets, shared storages, stride-0 and empty tensors."""
    base = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) * 0.5 - 3
    other = torch.arange(10, dtype=torch.float64) / 7
    return collections.OrderedDict([
        ('base', base),
        ('transposed', base[0].t()),
        ('sliced', base[1, 1:, 1:3]),
        ('permuted', base.permute(2, 0, 1)),
        ('scalar_view', base[1, 2, 3]),
        ('expanded', torch.tensor([1.5, -2.0, 3.25]).expand(2, 3)),
        ('strided', other[2:9:3]),
        ('other_half', other[5:]),
        ('empty', torch.zeros(0, 3)),
    ])


def dtypes():
    """One tensor per element type the reader converts, with values that survive the conversion."""
    gen = torch.Generator().manual_seed(7)
    return collections.OrderedDict([
        ('float64', torch.randn(2, 3, generator=gen, dtype=torch.float64)),
        ('int64', torch.tensor([[-(2 ** 40), 0, 5], [7, 2 ** 62, -1]], dtype=torch.int64)),
        ('float16', torch.tensor([0.5, -1.25, 65504.0, 6e-8, float('inf')], dtype=torch.float16)),
        ('bfloat16', torch.tensor([1.0, -3.140625, 1e30], dtype=torch.bfloat16)),
        ('int32', torch.tensor([-(2 ** 31), 12345, 2 ** 31 - 1], dtype=torch.int32)),
        ('int16', torch.tensor([-32768, 3, 32767], dtype=torch.int16)),
        ('int8', torch.tensor([-128, 0, 127], dtype=torch.int8)),
        ('uint8', torch.tensor([[0, 1], [200, 255]], dtype=torch.uint8)),
        ('bool', torch.tensor([True, False, True])),
        ('float64_scalar', torch.tensor(2.718281828459045, dtype=torch.float64)),
        ('int64_scalar', torch.tensor(-42)),
        ('float32', torch.randn(4, generator=gen)),
    ])


class Expected:
    """expected.json + expected.bin: every good file's entries and their values."""

    CONVERTED = {torch.float32: ('float32', 'f'), torch.float64: ('float64', 'd'),
                 torch.float16: ('float32', 'f'), torch.bfloat16: ('float32', 'f'),
                 torch.int64: ('int64', 'q'), torch.int32: ('int64', 'q'), torch.int16: ('int64', 'q'),
                 torch.int8: ('int64', 'q'), torch.uint8: ('int64', 'q'), torch.bool: ('int64', 'q')}

    def __init__(self):
        self.blob = bytearray()
        self.tensors = collections.OrderedDict()
        self.by_content = {}
        self.files = collections.OrderedDict()

    def tensor_id(self, t):
        dtype, code = self.CONVERTED[t.dtype]
        values = t.flatten().tolist()
        if t.dtype == torch.bool:
            values = [int(v) for v in values]
        data = struct.pack('<%d%s' % (len(values), code), *values)
        key = (dtype, tuple(t.shape), str(t.dtype), data)
        if key not in self.by_content:
            tid = 't%d' % len(self.tensors)
            self.by_content[key] = tid
            self.tensors[tid] = {'dtype': dtype, 'source_dtype': str(t.dtype).replace('torch.', ''),
                                 'shape': list(t.shape), 'offset': len(self.blob), 'nbytes': len(data)}
            self.blob += data
        return self.by_content[key]

    def add(self, name, fmt, kind, state_dict, skipped=()):
        model = model_entries(state_dict)
        self.files[name] = {
            'format': fmt, 'kind': kind,
            'state_dict': [[k, self.tensor_id(v)] for k, v in state_dict.items()],
            'model_entries': [[k, self.tensor_id(v)] for k, v in model.items()],
            'parameters': sum(v.numel() for k, v in model.items() if k not in BUFFERS),
            'buffers': sum(v.numel() for k, v in model.items() if k in BUFFERS),
            'skipped': list(skipped)}

    def write(self, folder):
        with open(os.path.join(folder, 'expected.bin'), 'wb') as f:
            f.write(self.blob)
        with open(os.path.join(folder, 'expected.json'), 'w') as f:
            json.dump({'torch_version': torch.__version__, 'marker': MARKER,
                       'tensors': self.tensors, 'files': self.files}, f, indent=1)
            f.write('\n')


def save(obj, folder, name, legacy=False, protocol=2):
    path = os.path.join(folder, name)
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy, pickle_protocol=protocol)
    check = torch.load(path, weights_only=False)  # the file must load in PyTorch itself (our own, trusted)
    assert type(check) == type(obj), name
    return path


class Evil:
    """Pickles as a call of func(arg): what a malicious checkpoint looks like."""

    def __init__(self, func, arg):
        self.func, self.arg = func, arg

    def __reduce__(self):
        return self.func, (self.arg,)


def storage_element_sizes(pickle_bytes):
    """Storage key -> element size, read from a data pickle's persistent ids (nothing is rebuilt)."""
    sizes = {}

    class Reader(pickle.Unpickler):
        def find_class(self, module, name):
            if module == 'torch' and name.endswith('Storage'):
                return getattr(torch, name)
            if (module, name) == ('collections', 'OrderedDict'):
                return collections.OrderedDict
            if (module, name) in {('torch._utils', '_rebuild_tensor_v2'), ('torch._utils', '_rebuild_parameter')}:
                return lambda *args: None
            raise pickle.UnpicklingError(module + '.' + name)

        def persistent_load(self, pid):
            sizes[pid[2]] = pid[1]().element_size()
            return None

    import io
    Reader(io.BytesIO(pickle_bytes)).load()
    return sizes


def swap(data, size):
    return b''.join(data[i:i + size][::-1] for i in range(0, len(data), size))


def big_endian_zip(source, target):
    """A copy of a zip checkpoint as a big-endian machine writes it: byteorder 'big', swapped storages."""
    with zipfile.ZipFile(source) as zin:
        prefix = zin.namelist()[0].split('/')[0]
        sizes = storage_element_sizes(zin.read(prefix + '/data.pkl'))
        with zipfile.ZipFile(target, 'w', zipfile.ZIP_STORED) as zout:
            for info in zin.infolist():
                data = zin.read(info)
                rel = info.filename[len(prefix) + 1:]
                if rel.startswith('data/'):
                    data = swap(data, sizes[rel[len('data/'):]])
                if rel == 'byteorder':
                    data = b'big'
                zout.writestr(info.filename, data)
            if prefix + '/byteorder' not in zin.namelist():
                zout.writestr(prefix + '/byteorder', b'big')


def big_endian_legacy(source, target):
    """A copy of a legacy checkpoint as a big-endian machine writes it (sys_info little_endian False)."""
    with open(source, 'rb') as f:
        raw = f.read()
    import io
    f = io.BytesIO(raw)
    starts = []
    objects = []
    for _ in range(5):
        starts.append(f.tell())
        if len(objects) == 3:  # the data pickle: skip it with pickletools, it has persistent ids
            import pickletools
            for _op, _arg, _pos in pickletools.genops(f):
                pass
            objects.append(None)
        else:
            objects.append(pickle.load(f))
    storages_start = f.tell()
    sizes = storage_element_sizes(raw[starts[3]:starts[4]])
    sys_info = dict(objects[2])
    sys_info['little_endian'] = False
    out = bytearray(raw[:starts[2]])
    out += pickle.dumps(sys_info, protocol=2)
    out += raw[starts[3]:storages_start]
    f.seek(storages_start)
    for key in objects[4]:
        (numel,) = struct.unpack('<q', f.read(8))
        out += struct.pack('>q', numel)
        out += swap(f.read(numel * sizes[key]), sizes[key])
    assert f.read() == b''
    with open(target, 'wb') as g:
        g.write(out)


def short_storage_zip(source, target):
    """A copy of a zip checkpoint whose first storage lost its second half."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, 'w', zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith('/data/0'):
                data = data[:len(data) // 2]
            zout.writestr(info.filename, data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('folder')
    parser.add_argument('--compat', action='store_true',
                        help='only the small files (a second PyTorch version checks the format, not the model)')
    args = parser.parse_args()
    folder = args.folder
    os.makedirs(folder, exist_ok=True)
    expected = Expected()

    if not args.compat:
        sd = tiny_mdeq_state_dict()
        save(sd, folder, 'tiny_bare.pth')
        expected.add('tiny_bare.pth', 'ZIP', 'BARE_STATE_DICT', sd)
        save(sd, folder, 'tiny_bare_legacy.pkl', legacy=True)
        expected.add('tiny_bare_legacy.pkl', 'LEGACY', 'BARE_STATE_DICT', sd)
        save(training_checkpoint(sd), folder, 'tiny_checkpoint.pth.tar')
        expected.add('tiny_checkpoint.pth.tar', 'ZIP', 'TRAINING_CHECKPOINT', sd,
                     skipped=['epoch', 'model', 'perf', 'optimizer', 'lr_scheduler'])
        seg = segmentation_state_dict(sd)
        save(seg, folder, 'tiny_seg.pth')
        expected.add('tiny_seg.pth', 'ZIP', 'SEGMENTATION_STATE_DICT', seg)
        bad = mismatched_state_dict(sd)
        save(bad, folder, 'tiny_mismatch.pth')
        expected.add('tiny_mismatch.pth', 'ZIP', 'BARE_STATE_DICT', bad)

    v = views()
    save(v, folder, 'views.pth')
    expected.add('views.pth', 'ZIP', 'BARE_STATE_DICT', v)
    save(v, folder, 'views_legacy.pth', legacy=True)
    expected.add('views_legacy.pth', 'LEGACY', 'BARE_STATE_DICT', v)
    save(v, folder, 'views_protocol4.pth', protocol=4)
    expected.add('views_protocol4.pth', 'ZIP', 'BARE_STATE_DICT', v)
    save(v, folder, 'views_legacy_protocol5.pth', legacy=True, protocol=5)
    expected.add('views_legacy_protocol5.pth', 'LEGACY', 'BARE_STATE_DICT', v)
    d = dtypes()
    save(d, folder, 'dtypes.pth')
    expected.add('dtypes.pth', 'ZIP', 'BARE_STATE_DICT', d)
    save(d, folder, 'dtypes_legacy.pth', legacy=True)
    expected.add('dtypes_legacy.pth', 'LEGACY', 'BARE_STATE_DICT', d)
    big_endian_zip(os.path.join(folder, 'dtypes.pth'), os.path.join(folder, 'dtypes_big_endian.pth'))
    expected.add('dtypes_big_endian.pth', 'ZIP', 'BARE_STATE_DICT', d)
    big_endian_legacy(os.path.join(folder, 'dtypes_legacy.pth'), os.path.join(folder, 'dtypes_big_endian_legacy.pth'))
    expected.add('dtypes_big_endian_legacy.pth', 'LEGACY', 'BARE_STATE_DICT', d)
    if tuple(int(x) for x in torch.__version__.split('.')[:2]) >= (2, 1):
        # PyTorch >= 2.1 reads the byteorder record: the crafted big-endian zip must load as the original.
        back = torch.load(os.path.join(folder, 'dtypes_big_endian.pth'))
        assert all(torch.equal(back[k], d[k]) for k in d), 'big-endian zip does not round-trip'

    if not args.compat:
        save({'complex': torch.tensor([1 + 2j, 3 - 4j])}, folder, 'complex.pth')
        short_storage_zip(os.path.join(folder, 'views.pth'), os.path.join(folder, 'short_storage.pth'))
        save(torch.nn.Linear(2, 3), folder, 'whole_module.pth')
        # Malicious files: written, never loaded here (loading them would run the command).
        torch.save({'weight': torch.ones(2), 'payload': Evil(os.system, 'touch ' + MARKER)},
                   os.path.join(folder, 'malicious_system.pth'))
        torch.save(collections.OrderedDict(
            weight=torch.ones(2), payload=Evil(eval, "open(%r, 'w').close()" % MARKER)),
            os.path.join(folder, 'malicious_eval_legacy.pth'), _use_new_zipfile_serialization=False)

    expected.write(folder)
    print('wrote', folder, 'with PyTorch', torch.__version__, file=sys.stderr)


if __name__ == '__main__':
    main()
