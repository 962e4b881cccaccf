"""A menu's family (ancestors and descendants) as a tree, its SVG layout and its fork diffs."""

from __future__ import annotations

from typing import Any

from generator.site import queries
from generator.site.keyed import keyed
from generator.support.readonly import Queryable

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 200, 56, 24, 44, 8
TEXT_W = NODE_W - 24  # a node's text starts 12 px in and stops 12 px before its right edge
# Widths of letters, in ems, a little over those of the widest sans serif the style sheet may
# fall back on (DejaVu Sans Bold): a title shortened to fit by them is never clipped.
_NARROW, _WIDE = set("fijlrtI.,:;'!|()[] "), set("mwMW@%&")


# Each lineage page asks this for its menu and each ancestor shown (see keyed.py); an item
# both moved and re-annotated sorts by its change after its place and title.
FORK_DIFFS = keyed(
    """
    SELECT {key}d.*, i.media_type, i.slug, i.title FROM menu_fork_diffs d
    JOIN media_items i ON i.id = d.media_item_id
    WHERE {match}
    ORDER BY coalesce(d.new_course_position, d.old_course_position), i.title, i.slug,
             d.change""",
    "d.menu_id = :m AND d.ancestor_menu_id = :a",
    rows={"d": "menu_fork_diffs", "i": "media_items"},
    m="d.menu_id",
    a="d.ancestor_menu_id",
)


def _em(char: str) -> float:
    if char in _NARROW:
        return 0.42
    if char in _WIDE:
        return 1.08
    return 0.8 if char.isupper() or char.isdigit() else 0.7


def _short(text: str, font_px: int, width: int = TEXT_W) -> str:
    """`text` whole if it fits `width` pixels at `font_px`, else shortened to fit with an
    ellipsis (the node's accessible name and tooltip carry it whole)."""
    room = width / font_px
    if sum(map(_em, text)) <= room:
        return text
    used, kept = _em("…"), ""
    for char in text:
        used += _em(char)
        if used > room:
            break
        kept += char
    return kept.rstrip() + "…"


def family(db: Queryable, slug: str) -> dict[str, Any] | None:
    """The published menus of `slug`'s family as a forest, each fork linked to its nearest
    published ancestor; None when the menu is not published. The family hangs from the
    oldest published ancestor: a draft never joins menus that only it relates."""
    rows = list(db.query("SELECT id FROM menus WHERE slug = :s AND status = 'published'", {"s": slug}))
    if not rows:
        return None
    menu_id = rows[0]["id"]
    root = next(
        iter(
            db.query(
                """SELECT l.parent_menu_id AS id FROM menu_lineage l
                   JOIN menus p ON p.id = l.parent_menu_id
                   WHERE l.menu_id = :id AND p.status = 'published'
                   ORDER BY l.depth DESC LIMIT 1""",
                {"id": menu_id},
            )
        ),
        {"id": menu_id},
    )
    members = queries.fetch_rows(
        db,
        """
        SELECT m.id, m.slug, m.title, m.published_at, u.handle AS curator_handle,
               u.display_name AS curator_name
        FROM menus m JOIN users u ON u.id = m.owner_id
        WHERE m.status = 'published'
          AND (m.id = :root OR m.id IN (SELECT menu_id FROM menu_lineage WHERE parent_menu_id = :root))
        ORDER BY m.published_at, m.slug""",
        {"root": root["id"]},
    )
    by_id = {m["id"]: m for m in members}
    for member in members:
        parent = queries.published_parent(db, member["id"])
        member["parent_id"] = parent["id"] if parent and parent["id"] in by_id else None
        member["children"] = []
        member["current"] = member["id"] == menu_id
    roots = []
    for member in members:
        if member["parent_id"]:
            by_id[member["parent_id"]]["children"].append(member)
        else:
            roots.append(member)
    for member in members:
        if member["parent_id"]:
            member["parent"] = by_id[member["parent_id"]]
            member["diff"] = fork_diff(db, member["id"], member["parent_id"])
    layout = _layout(roots)
    return {
        "menu": by_id[menu_id],
        "roots": roots,
        "members": members,
        "forks": [m for m in members if m["parent_id"]],
        "svg": layout,
    }


def fork_diff(db: Queryable, menu_id: str, ancestor_id: str) -> dict[str, list]:
    """What a fork changed against an ancestor, from the derived `menu_fork_diffs` table."""
    changes: dict[str, list] = {"added": [], "removed": [], "moved": [], "annotation": []}
    for row in queries.fetch_rows(db, FORK_DIFFS, {"m": menu_id, "a": ancestor_id}):
        changes[row["change"]].append(row)
    return changes


def _layout(roots: list[dict[str, Any]]) -> dict[str, Any]:
    """A tidy top-down tree: leaves take columns left to right, parents sit over their
    children's middle. Coordinates are in SVG user units."""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, float]] = []
    column = 0

    def place(node: dict[str, Any], depth: int) -> float:
        nonlocal column
        if node["children"]:
            xs = [place(child, depth + 1) for child in node["children"]]
            x = (xs[0] + xs[-1]) / 2
        else:
            x = column * (NODE_W + GAP_X)
            column += 1
        node["x"], node["y"] = x + PAD, depth * (NODE_H + GAP_Y) + PAD
        node["short_title"] = _short(node["title"], 15)  # the sizes style.css gives them
        node["short_curator"] = _short("by " + node["curator_name"], 13)
        nodes.append(node)
        return x

    for root in roots:
        place(root, 0)
    for node in nodes:
        for child in node["children"]:
            edges.append(
                {
                    "x1": node["x"] + NODE_W / 2,
                    "y1": node["y"] + NODE_H,
                    "x2": child["x"] + NODE_W / 2,
                    "y2": child["y"],
                }
            )
    depth = max((int((n["y"] - PAD) // (NODE_H + GAP_Y)) for n in nodes), default=0)
    return {
        "nodes": sorted(nodes, key=lambda n: (n["y"], n["x"])),
        "edges": edges,
        "width": max(column, 1) * (NODE_W + GAP_X) - GAP_X + 2 * PAD,
        "height": (depth + 1) * (NODE_H + GAP_Y) - GAP_Y + 2 * PAD,
        "node_w": NODE_W,
        "node_h": NODE_H,
    }
