"""Real bytes of every file type the attachment rules talk about, built in memory."""
import io
import zipfile

from messaging.demo_data import solid_png

PNG = solid_png(8, 8, (200, 30, 30))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
TEXT = "Order list: 2 × tomatoes, 1 × café au lait\n".encode()
CSV = b"sku,quantity\nA-1,3\nB-2,5\n"


def zip_archive(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def ooxml(main_part: str) -> bytes:
    return zip_archive({"[Content_Types].xml": b"<Types/>", main_part: b"<document/>"})


def opendocument(mimetype: str) -> bytes:
    return zip_archive({"mimetype": mimetype.encode(), "content.xml": b"<office:document-content/>"})


DOCX = ooxml("word/document.xml")
XLSX = ooxml("xl/workbook.xml")
PPTX = ooxml("ppt/presentation.xml")
ODT = opendocument("application/vnd.oasis.opendocument.text")
ODS = opendocument("application/vnd.oasis.opendocument.spreadsheet")
ODP = opendocument("application/vnd.oasis.opendocument.presentation")
ZIP = zip_archive({"readme.txt": b"hello"})

# filename -> (bytes, content type the service must record, is it an image)
ALLOWED_SAMPLES = {
    "photo.jpg": (JPEG, "image/jpeg", True),
    "photo.jpeg": (JPEG, "image/jpeg", True),
    "chart.png": (PNG, "image/png", True),
    "anim.gif": (GIF, "image/gif", True),
    "pic.webp": (WEBP, "image/webp", True),
    "invoice.pdf": (PDF, "application/pdf", False),
    "letter.doc": (OLE2, "application/msword", False),
    "sheet.xls": (OLE2, "application/vnd.ms-excel", False),
    "slides.ppt": (OLE2, "application/vnd.ms-powerpoint", False),
    "letter.docx": (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    "sheet.xlsx": (XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    "slides.pptx": (PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation", False),
    "letter.odt": (ODT, "application/vnd.oasis.opendocument.text", False),
    "sheet.ods": (ODS, "application/vnd.oasis.opendocument.spreadsheet", False),
    "slides.odp": (ODP, "application/vnd.oasis.opendocument.presentation", False),
    "bundle.zip": (ZIP, "application/zip", False),
    "notes.txt": (TEXT, "text/plain; charset=utf-8", False),
    "stock.csv": (CSV, "text/csv; charset=utf-8", False),
}

# filename -> bytes that must be refused as unsupported_file_type
DISALLOWED_SAMPLES = {
    "image.pdf": PNG,  # a PNG renamed .pdf
    "setup.txt": EXECUTABLE,  # an executable renamed .txt
    "setup.exe": EXECUTABLE,
    "empty.txt": b"",
    "letter.xlsx": DOCX,  # a Word file renamed as a spreadsheet
    "fake.zip": b"PK\x03\x04 not really a zip",
    "latin1.txt": "caf\xe9".encode("latin-1"),
    "page.html": b"<html><script>alert(1)</script></html>",
    "drawing.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    "no_extension": PNG,
    "photo.png": JPEG,  # image types must agree too
}
