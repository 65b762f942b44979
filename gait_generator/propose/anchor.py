"""The anchor body a motion-tracking controller aligns the reference with (spec ``trunk.anchor_body``).

Rule: walk from the root link into the upper body. At each rigid body (a link
and its fixed-joint descendants, which MuJoCo merges into one body) step into
the heaviest subtree hanging from it through a moving joint, leaving out the
two legs, as long as that subtree weighs more than the body itself. The anchor
is the heaviest rigid body on that path. On the G1 the path is pelvis, waist
yaw and roll links, torso_link, and the torso (the heaviest) is the anchor,
as mjlab's G1 tracking configuration chooses; on a duck-class biped whose head
is light the path stops at the trunk, which is the anchor.
"""

from __future__ import annotations

from robots.urdf import UrdfInfo

__all__ = ["propose_anchor"]


def _fixed_members(info: UrdfInfo, link: str) -> list[str]:
    """``link`` and every link hanging from it through fixed joints only (one MuJoCo body)."""
    members, stack = [], [link]
    while stack:
        node = stack.pop()
        members.append(node)
        stack.extend(j.child for j in info.joints.values() if j.parent == node and j.type == "fixed")
    return members


def _moving_children(info: UrdfInfo, link: str) -> list[str]:
    """Child links reached from ``link``'s rigid body through a moving joint."""
    members = set(_fixed_members(info, link))
    return sorted(j.child for j in info.joints.values() if j.parent in members and j.type != "fixed")


def _subtree_mass(info: UrdfInfo, link: str) -> float:
    """Mass (kg) of ``link`` and all its descendants."""
    total, stack = 0.0, [link]
    while stack:
        node = stack.pop()
        total += info.links.get(node, 0.0)
        stack.extend(j.child for j in info.joints.values() if j.parent == node)
    return total


def propose_anchor(info: UrdfInfo, leg_joints: tuple[str, ...]) -> tuple[str, str]:
    """Choose the anchor body by the module's rule.

    Args:
        info: The URDF tree (link masses, joints).
        leg_joints: Every moving joint of the two legs (their subtrees are left out).

    Returns:
        ``(link, reason)``: the anchor link and a one-line reason naming the path and masses.
    """
    legs = {info.joints[name].child for name in leg_joints if name in info.joints}

    def body_mass(link: str) -> float:
        return sum(info.links.get(member, 0.0) for member in _fixed_members(info, link))

    path = [info.root]
    while True:
        candidates = [c for c in _moving_children(info, path[-1]) if c not in legs]
        if not candidates:
            break
        heaviest = max(candidates, key=lambda c: (_subtree_mass(info, c), c))
        if _subtree_mass(info, heaviest) <= body_mass(path[-1]):
            break
        path.append(heaviest)
    anchor = max(path, key=lambda link: (body_mass(link), -path.index(link)))
    route = " -> ".join(f"{link} {body_mass(link):.3g} kg" for link in path)
    return anchor, (f"the heaviest rigid body on the upper body's main chain from the root ({route}); a tracking "
                    "controller (mjlab anchor_body_name) aligns the reference with it")
