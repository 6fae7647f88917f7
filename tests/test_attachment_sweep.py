"""``flask attachments sweep`` (issue 8, item 5): files no row names, older than an hour, are reported or removed."""
import os
import time
from pathlib import Path

from messaging.models import ConversationType
from messaging.services.thumbnails import THUMBNAIL_SUFFIX
from tests.factories import start, upload
from tests.sample_files import PDF, PNG

HOUR = 3600


def age(path: Path, seconds: int) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def left_behind(root: Path, relative: str, data: bytes = b"partial", seconds: int = 2 * HOUR) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return age(path, seconds)


def sweep(app, *args):
    return app.test_cli_runner().invoke(args=["attachments", "sweep", *args])


def test_sweep_reports_then_removes_only_old_files_without_rows(app, service, marketplace):
    root = Path(app.config["ATTACHMENT_ROOT"])
    conversation = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a,
                         uploads=[upload("chart.png", PNG), upload("invoice.pdf", PDF)])
    # The two files, and the picture's thumbnail (which goes with its file).
    stored = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(THUMBNAIL_SUFFIX))
    assert len(stored) == 2
    for path in stored:
        age(path, 3 * HOUR)  # old, but named by a row: never touched
    temporary = left_behind(root, f"messages/2026/11/{conversation.id}/.upload-k3j2h1")
    complete_orphan = left_behind(root, f"messages/2026/11/{conversation.id}/0f0f0f.pdf", PDF)
    fresh_orphan = left_behind(root, "messages/2026/11/99/.upload-fresh", seconds=60)  # may still be committing

    dry_run = sweep(app)
    assert dry_run.exit_code == 0, dry_run.output
    assert f"Would remove {temporary}" in dry_run.output
    assert f"Would remove {complete_orphan}" in dry_run.output
    assert "Would remove 2 file(s)" in dry_run.output and "--delete" in dry_run.output
    assert temporary.exists() and complete_orphan.exists()

    removed = sweep(app, "--delete")
    assert removed.exit_code == 0, removed.output
    assert "Removed 2 file(s)" in removed.output
    assert not temporary.exists() and not complete_orphan.exists()
    assert fresh_orphan.exists()
    assert all(path.exists() for path in stored)
    for message in service.get_conversation(marketplace.staff_a, conversation.id).messages:
        for attachment in message.attachments:
            assert service.get_attachment(marketplace.staff_a, conversation.id, attachment.id)


def test_sweep_of_an_empty_or_missing_root_finds_nothing(app):
    result = sweep(app, "--delete")
    assert result.exit_code == 0
    assert "Removed 0 file(s)" in result.output


def test_the_grace_period_can_be_shortened(app):
    root = Path(app.config["ATTACHMENT_ROOT"])
    young = left_behind(root, "messages/2026/11/5/.upload-young", seconds=120)
    assert "Would remove 0 file(s)" in sweep(app).output
    assert sweep(app, "--delete", "--older-than", "60").exit_code == 0
    assert not young.exists()
