"""Files under the attachment root that no attachment row names: what a killed worker leaves.

A message's files are written before its transaction commits (and removed again if it
fails), so a worker killed between the two leaves complete files without rows, and one
killed while writing leaves ``.upload-*`` temporaries. Only files older than the grace
period are considered: a younger one may belong to an upload still being committed.
"""
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from messaging.extensions import db
from messaging.models import MessageAttachment
from messaging.services.thumbnails import THUMBNAIL_SUFFIX, THUMBNAIL_TEMPORARY_PREFIX

DEFAULT_GRACE_SECONDS = 3600
TEMPORARY_PREFIX = ".upload-"
# Rows looked up per query: one directory of a conversation holds few files, a big one many.
LOOKUP_BATCH = 500


@dataclass
class SweepReport:
    orphans: list[Path] = field(default_factory=list)
    bytes_total: int = 0
    removed: bool = False


def find_orphans(root: str | Path, *, grace_seconds: int = DEFAULT_GRACE_SECONDS, now: float | None = None) -> SweepReport:
    root = Path(root)
    report = SweepReport()
    if not root.is_dir():
        return report
    cutoff = (now if now is not None else time.time()) - grace_seconds
    candidates: list[tuple[str, Path, int]] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        stat = path.stat()
        if stat.st_mtime > cutoff:
            continue
        relative = path.relative_to(root).as_posix()
        # A thumbnail belongs to its attachment's file: it goes when that one has no row.
        owner = relative.removesuffix(THUMBNAIL_SUFFIX)
        if path.name.startswith(TEMPORARY_PREFIX) or path.name.startswith(THUMBNAIL_TEMPORARY_PREFIX):
            report.orphans.append(path)
            report.bytes_total += stat.st_size
        else:
            candidates.append((owner, path, stat.st_size))
    for start in range(0, len(candidates), LOOKUP_BATCH):
        batch = candidates[start:start + LOOKUP_BATCH]
        known = set(db.session.scalars(
            select(MessageAttachment.storage_path).where(
                MessageAttachment.storage_path.in_({owner for owner, _, _ in batch})
            )
        ))
        for owner, path, size in batch:
            if owner not in known:
                report.orphans.append(path)
                report.bytes_total += size
    return report


def sweep(root: str | Path, *, delete: bool, grace_seconds: int = DEFAULT_GRACE_SECONDS) -> SweepReport:
    report = find_orphans(root, grace_seconds=grace_seconds)
    if delete:
        for path in report.orphans:
            path.unlink(missing_ok=True)
        report.removed = True
    return report
