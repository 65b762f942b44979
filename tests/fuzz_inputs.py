"""Hostile file contents for the fuzz corpus (``tests/fuzz_corpus.py``), built by code.

YAML alias bombs, 5000-deep nesting, 400-digit integers, invalid UTF-8, broken
URDFs, a real zip bomb (2 x 1.44 GB of zeros in 2.9 MB) and motion files whose
headers lie. Nothing here is random: the same code gives the same bytes.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "robots" / "mini_biped"

BIG = "1" + "0" * 400
"""An integer of 401 digits: ``float()`` of it overflows."""

BAD_UTF8 = b"# \xff\xfe not UTF-8\n"
"""A comment line holding bytes that are not UTF-8."""


def bomb_list(levels: int = 9) -> str:
    """A flow YAML list whose last item expands to 9**levels strings (1.3 KB of text)."""
    items = ["&a0 [" + ", ".join(["lol"] * 9) + "]"]
    items += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "[" + ", ".join(items) + "]"


def deep(depth: int = 5000) -> str:
    """Lists nested ``depth`` deep, valid YAML and JSON."""
    return "[" * depth + "]" * depth


def preset_text() -> str:
    """mini_biped's medium preset."""
    return (REPO / "presets" / "mini_biped" / "medium.yaml").read_text()


def preset_with(key: str, value: str) -> str:
    """The medium preset with the line of ``key`` set to ``value`` (YAML text)."""
    lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in preset_text().splitlines()]
    return "\n".join(lines) + "\n"


def spec_text(urdf: str | None = None) -> str:
    """mini_biped's spec as a user file: absolute URDF path (or ``urdf``), name ``fuzz_biped``."""
    text = (MINI / "mini_biped.yaml").read_text()
    text = text.replace("urdf: mini_biped.urdf", f"urdf: {urdf or MINI / 'mini_biped.urdf'}")
    return text.replace("name: mini_biped", "name: fuzz_biped")


def spec_with(key: str, value: str) -> str:
    """The spec with the line of ``key`` set to ``value``."""
    return "\n".join(f"{key}: {value}" if line.startswith(f"{key}:") else line
                     for line in spec_text().splitlines()) + "\n"


def urdf_text() -> str:
    """mini_biped's URDF."""
    return (MINI / "mini_biped.urdf").read_text()


def urdf_cases() -> dict[str, bytes]:
    """Broken URDFs of mini_biped, by case name."""
    base = urdf_text()
    loop = base.replace("</robot>", '<joint name="loop" type="fixed"><parent link="left_foot_link"/>'
                                    '<child link="left_thigh"/></joint>\n</robot>')
    detached = base.replace('<parent link="left_ankle_link"/><child link="left_foot_link"/>',
                            '<parent link="extra_link"/><child link="left_foot_link"/>')
    detached = detached.replace("</robot>", '<link name="extra_link"/><joint name="back" type="fixed">'
                                            '<parent link="left_foot_link"/><child link="extra_link"/></joint>\n</robot>')
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    entity = base.replace('<?xml version="1.0"?>', f'<?xml version="1.0"?><!DOCTYPE robot [<!ENTITY l0 "lol">{laughs}]>')
    entity = entity.replace('<robot name="mini_biped">', '<robot name="&l9;">')
    return {
        "urdf_joint_loop": loop.encode(),
        "urdf_detached_foot_cycle": detached.encode(),
        "urdf_limit_abc": base.replace('lower="-0.523599"', 'lower="abc"', 1).encode(),
        "urdf_mass_nan": base.replace('<mass value="0.7"/>', '<mass value="nan"/>').encode(),
        "urdf_deep_xml": base.replace('<link name="base">', '<link name="base">' + "<a>" * 5000 + "</a>" * 5000).encode(),
        "urdf_entity_bomb": entity.encode(),
        "urdf_not_utf8": base.encode().replace(b"<!-- Generated", b"<!-- \xff\xfe Generated"),
    }


def npy_header(shape: tuple[int, ...], dtype: str = "<f8") -> bytes:
    """A version 1.0 ``.npy`` header declaring ``shape`` of ``dtype``."""
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, {"descr": dtype, "fortran_order": False, "shape": shape})
    return stream.getvalue()


def zip_bomb(path: Path, members: tuple[str, ...] = ("root_pos.npy", "joint_pos.npy"), gigabytes: float = 1.44) -> None:
    """A real ``.npz`` whose members each inflate to ``gigabytes`` GB of float64 zeros (about 1.4 MB each).

    The deflate stream is one compressed 1 MiB block of zeros repeated after full
    flushes (identical bytes), so it is built in milliseconds.
    """
    chunk = 1 << 20
    n_chunks = int(gigabytes * 1e9) // chunk
    header = npy_header((n_chunks * chunk // 8,))
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = comp.compress(header) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(bytes(chunk)) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush(zlib.Z_FINISH)
    crc = zlib.crc32(header)
    zeros = bytes(chunk)
    for _ in range(n_chunks):
        crc = zlib.crc32(zeros, crc)
    size = len(header) + n_chunks * chunk
    data_len = len(head) + n_chunks * len(block) + len(tail)
    central = bytearray()
    with open(path, "wb") as f:
        for name in members:
            offset = f.tell()
            raw = name.encode()
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, data_len, size, len(raw), 0) + raw)
            f.write(head)
            for _ in range(n_chunks):
                f.write(block)
            f.write(tail)
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, data_len, size,
                                   len(raw), 0, 0, 0, 0, 0, offset) + raw
        start = f.tell()
        f.write(central)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0))


def rewrite_npz(src: Path, dst: Path, members: dict[str, bytes]) -> None:
    """Copy an archive, replacing (or adding) members with raw bytes."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename not in members:
                zout.writestr(info, zin.read(info))
        for name, data in members.items():
            zout.writestr(name, data)


def npy(value: object) -> bytes:
    """The ``.npy`` bytes of ``value``."""
    stream = io.BytesIO()
    np.lib.format.write_array(stream, np.asarray(value), allow_pickle=False)
    return stream.getvalue()


def npz_cases(good: Path, folder: Path) -> dict[str, str]:
    """Write malformed motion files into ``folder``; returns case name -> file name."""
    header_lie = npy_header((10**12,)) + bytes(8 * 40 * 3)
    files = {
        "npz_header_1e12": ("lie.npz", {"root_pos.npy": header_lie}),
        "npz_fps_1e300": ("fps.npz", {"fps.npy": npy(np.float64(1e300))}),
        "npz_meta_deep": ("meta_deep.npz", {"meta.npy": npy(np.str_(deep()))}),
        "npz_meta_big_int": ("meta_int.npz", {"meta.npy": npy(np.str_('{"robot": "mini_biped", "seed": ' + BIG + "}"))}),
        "npz_meta_robot_list": ("meta_list.npz", {"meta.npy": npy(np.str_('{"robot": [1, 2]}'))}),
    }
    out = {}
    for case, (name, members) in files.items():
        rewrite_npz(good, folder / name, members)
        out[case] = name
    zip_bomb(folder / "bomb.npz")
    out["npz_zip_bomb"] = "bomb.npz"
    (folder / "garbage.npz").write_bytes(b"PK\x03\x04" + bytes(100))
    out["npz_corrupt_zip"] = "garbage.npz"
    data = good.read_bytes()
    (folder / "truncated.npz").write_bytes(data[: len(data) // 2])
    out["npz_truncated"] = "truncated.npz"
    return out


