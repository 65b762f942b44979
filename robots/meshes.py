"""Meshes for MuJoCo: files in formats MuJoCo cannot read are converted to OBJ once.

MuJoCo reads binary ``.stl``, ``.obj`` and ``.msh`` meshes only, while robot
URDFs (ROS description packages above all) often use Collada ``.dae``, which
placo reads, and sometimes ASCII STL. :func:`mujoco_mesh` returns a file MuJoCo
reads for any mesh trimesh can load: the file itself when MuJoCo reads it,
otherwise an OBJ converted with `trimesh <https://trimesh.org>`_ (``pycollada``
for ``.dae``) and cached.

Geometry of a converted mesh: every instance of the file's scene graph, moved by
its node transforms, concatenated into one triangle mesh; colours, textures and
normals are dropped (MuJoCo does not use them from URDF meshes). Vertex
coordinates are written as stored in the file and read as metres: a Collada
``<unit meter="...">`` and ``<up_axis>`` are **ignored**, exactly as placo does
(pinocchio loads ``.dae`` through assimp and skips the root transform that
carries both). Checked with a Collada file declaring ``<unit meter="0.001">``,
``Z_UP`` and nested, rotated, instanced nodes: the converted vertices equal the
vertices of placo's collision geometry for the same file to the OBJ's 1e-8 m
precision. OBJ (not STL) because MuJoCo refuses STL files of more than 200 000
triangles and STL rounds vertices to 32-bit floats.

Cache: ``<cache>/<key>/<name>.obj``, where ``<name>`` is the source file's stem
(MuJoCo names the mesh asset after it) and ``<key>`` the SHA-256 of the source
file's content, its suffix, :data:`CONVERTER_VERSION` and the trimesh and
pycollada versions. ``<cache>`` is :func:`motions.cache.cache_dir` ``("meshes")``
(``~/.cache/gait_generator/meshes`` by default); nothing is written next to the user's files.
Entries are written atomically (a temporary file renamed into place), so a
process killed mid-write leaves no entry that is later trusted.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from motions.atomic import atomic_write_text
from motions.cache import cache_dir as project_cache
from motions.errors import OutputError
from robots.errors import MeshError

__all__ = ["CONVERTER_VERSION", "MUJOCO_FORMATS", "MeshWarning", "cache_dir", "mujoco_mesh"]

MUJOCO_FORMATS = frozenset({".stl", ".obj", ".msh"})
"""Mesh file suffixes MuJoCo reads itself (compared in lower case)."""

CONVERTER_VERSION = 1
"""Version of the conversion below; part of the cache key, bump it when the output changes."""

_OBJ_DIGITS = 8  # decimals of the OBJ coordinates: 1e-8 m


class MeshWarning(UserWarning):
    """A visual mesh MuJoCo cannot use was left out of the MuJoCo model."""


def cache_dir() -> Path:
    """Folder of converted meshes (see the module doc)."""
    return project_cache("meshes")


def mujoco_mesh(path: str | os.PathLike[str]) -> Path:
    """A mesh file MuJoCo can read with the same geometry as ``path``.

    Args:
        path: Mesh file (vertex coordinates in m).

    Returns:
        ``path`` itself when MuJoCo reads its format (binary ``.stl``, ``.obj``,
        ``.msh``, any case), otherwise (ASCII STL, ``.dae``, ...) the cached OBJ
        conversion of its content (converted on the first call, found by
        content hash afterwards).

    Raises:
        MeshError: The file cannot be read, trimesh cannot load it (corrupt file,
            unsupported format), it holds no triangles or non-finite vertices,
            or the cache folder is not writable. The message names the file.
    """
    path = Path(path)
    if path.suffix.lower() in MUJOCO_FORMATS and not (path.suffix.lower() == ".stl" and _ascii_stl(path)):
        return path
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MeshError(f"{path}: cannot read the mesh file ({exc})") from exc

    import collada
    import trimesh

    suffix = path.suffix.lower()
    key = hashlib.sha256()
    for part in (f"v{CONVERTER_VERSION}", suffix, trimesh.__version__, getattr(collada, "__version__", "")):
        key.update(part.encode() + b"\0")
    key.update(data)
    target = cache_dir() / key.hexdigest() / f"{path.stem or 'mesh'}.obj"
    if target.is_file():
        return target

    text = _to_obj(path, data, suffix)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, text)
    except (OSError, OutputError) as exc:
        raise MeshError(
            f"{path}: cannot store its MuJoCo conversion in the cache folder {target.parent} ({exc}); "
            "set GAIT_GENERATOR_CACHE to a writable folder"
        ) from exc
    return target


def _ascii_stl(path: Path) -> bool:
    """True when ``path`` is an ASCII STL, which MuJoCo cannot read (it reads binary STL only).

    A binary STL is an 80-byte header, a triangle count ``n`` and ``50 n`` bytes, so
    its size is ``84 + 50 n``; an ASCII one starts with ``solid`` and has another
    size. (Binary headers may start with ``solid`` too: the size decides.)
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(84)
    except OSError:
        return False  # unreadable: MuJoCo's own error names it
    if len(head) < 84:
        return head.lstrip().lower().startswith(b"solid")
    count = int.from_bytes(head[80:84], "little")
    return size != 84 + 50 * count and head.lstrip().lower().startswith(b"solid")


def _to_obj(path: Path, data: bytes, suffix: str) -> str:
    """OBJ text of the whole scene in ``data`` (the content of ``path``), transforms applied."""
    import numpy as np
    import trimesh

    # From bytes, with no resolver: the geometry is what was hashed, and textures are never read.
    try:
        scene = trimesh.load_scene(io.BytesIO(data), file_type=suffix.lstrip("."), process=False)
        mesh = scene.to_mesh()
    except Exception as exc:
        kind = type(exc).__name__
        detail = str(exc) if str(exc).startswith(kind) else f"{kind}: {exc}"
        raise MeshError(f"{path}: cannot convert the mesh for MuJoCo, trimesh cannot load it ({detail})") from exc
    if len(mesh.faces) == 0:
        raise MeshError(f"{path}: cannot convert the mesh for MuJoCo, the file holds no triangles")
    if not np.isfinite(mesh.vertices).all():
        raise MeshError(f"{path}: cannot convert the mesh for MuJoCo, it has non-finite vertex coordinates")
    return trimesh.exchange.obj.export_obj(
        mesh,
        include_normals=False,
        include_color=False,
        include_texture=False,
        write_texture=False,
        digits=_OBJ_DIGITS,
        header=None,
    )
