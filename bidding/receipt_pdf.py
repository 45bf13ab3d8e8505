"""The printable receipt (投标回执) as a one-page PDF: a pure function from the signed receipt to the same bytes every time.

It shows what the JSON receipt holds and nothing else of the bid: the bidder, the tender and
lot, the version, each sealed file's name, size and SHA-256, the time of receipt in Beijing
time and in UTC (the exact instant signed), the signature and the signing key's id. Its QR code
leads to the receipt check with the receipt's number and the digest of its signed content: the
check says only whether the platform issued exactly this receipt, so whoever scans a paper
copy learns nothing the paper does not already show (bidding.bid_access.check_printed_receipt).

The font is the opening record's (trading.pdf: an embedded TrueType CJK font).

    render_receipt_pdf(document, *, check_url, platform="", project_name="", font_path=None) -> bytes
"""

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table

from trading import formats
from trading.pdf import ALERT, DocumentBuilder, build_pdf, find_cjk_font, register_font

from . import receipts

ACTIONS = {"submitted": ("投标回执", "投标文件递交"), "withdrawn": ("撤回投标回执", "撤回投标")}
FILE_KINDS = {"form": "开标项文件", "file": "投标文件"}  # bidding.models.SealedFile.Kind
QR_SIZE = 34 * mm


def _qr(value: str) -> Drawing:
    widget = QrCodeWidget(value, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


class _Receipt(DocumentBuilder):
    def __init__(self, document: dict, font: str, mono: str):
        super().__init__(font, mono)
        self.document = document
        self.body = document["receipt"]

    def story(self, *, check_url: str, project_name: str):
        body, w = self.body, self.width
        title, what = ACTIONS.get(body.get("action"), ("回执", str(body.get("action"))))
        bidder = body.get("bidder") or {}
        lot = f"第 {body.get('lot')} 标段（包）" + (f"：{body['lot_name']}" if body.get("lot_name") else "")
        received = formats.parse_instant(body["server_time"])
        story = [self.p(title, "title"),
                 self.p(f"{project_name}　{lot}" if project_name else lot, "subtitle")]
        story.append(self.kv([
            ("回执编号", self.hexp(body.get("receipt_id"))),
            ("回执事项", what),
            ("项目编号", formats.ABSENT if body.get("project") is None else str(body["project"])),
            ("标段（包）", lot),
            ("投标人", str(bidder.get("name", formats.ABSENT))),
            ("统一社会信用代码", self.hexp(bidder.get("uscc"))),
            ("投标文件版本", f"第 {body.get('version')} 版"),
            ("接收时间（北京时间）", formats.local_text(received, "ms", zone=formats.BEIJING)),
            ("签名所含时间（UTC）", f"{formats.utc_text(received)}（{body['server_time']}）"),
        ], [0.2 * w, 0.8 * w]))
        story += self.files()
        story += self.signature()
        story += self.check(check_url)
        return story

    def files(self):
        w = self.width
        rows = [[self.p(h, "head") for h in ("序号", "类别", "文件名", "大小（字节）", "SHA-256 摘要（密文）")]]
        for index, f in enumerate(self.body.get("files") or [], start=1):
            size = f.get("size")
            rows.append([self.p(str(index)), self.p(FILE_KINDS.get(f.get("kind"), str(f.get("kind")))),
                         self.p(str(f.get("name"))), self.p(f"{size:,}" if isinstance(size, int) else formats.ABSENT),
                         self.hexp(f.get("sha256"))])
        out = self.heading("加密投标文件")
        # the digest's column holds its 64 digits on one line
        out.append(self.grid(rows, [16, 0.09 * w, 0.24 * w, 0.1 * w, w - 16 - 0.43 * w],
                             extra=[("ALIGN", (3, 1), (3, -1), "RIGHT")]))
        return out

    def signature(self):
        w = self.width
        out = self.heading("平台签名")
        out.append(self.kv([
            ("签名算法", "Ed25519（对回执内容的规范化 JSON 签名）"),
            ("签名密钥标识", self.hexp(self.body.get("key_id"))),
            ("回执内容摘要（SHA-256）", self.hexp(receipts.content_digest(self.body))),
            ("签名", self.hexp(self.document.get("signature"))),
        ], [0.2 * w, 0.8 * w]))
        return out

    def check(self, check_url: str):
        w = self.width
        words = [
            self.p("扫描二维码核验本回执", "h"),
            self.p("二维码指向平台的回执核验页面，附本回执编号和内容摘要。核验页面只回答本回执是否由平台签发，"
                   "不显示投标人、项目、时间或投标文件等任何内容；扫码者只能得知纸面上已有的信息是否真实。", "body"),
            Spacer(1, 3),
            self.hexp(check_url),
            Spacer(1, 3),
            self.p("如需逐项核对回执内容并查询该版本投标文件是否仍然有效，请在核验页面上传 JSON 格式的回执文件。"
                   "本回执所列时间以签名所含的 UTC 时间为准，北京时间为 UTC+8。", "small"),
            Spacer(1, 3),
            self.p(f'<font color="{ALERT.hexval()}">投标截止前，请勿将本回执交给他人：'
                   "它载明贵单位已递交投标文件及其递交时间。</font>", "small", raw=True),
        ]
        table = Table([[_qr(check_url), words]], colWidths=[QR_SIZE + 6, w - QR_SIZE - 6], hAlign="LEFT")
        table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)])
        return [Spacer(1, 8), table]


def render_receipt_pdf(document: dict, *, check_url: str, platform: str = "", project_name: str = "",
                       font_path=None) -> bytes:
    """The receipt `document` ({"receipt", "signature", ...} as issued) as a one-page A4 PDF;
    `check_url` is the absolute address its QR code carries (bid_access.printed_check_url)."""
    font, mono = register_font(str(find_cjk_font(font_path)))
    builder = _Receipt(document, font, mono)
    story = builder.story(check_url=check_url, project_name=project_name)
    body = document["receipt"]
    title = ACTIONS.get(body.get("action"), ("回执",))[0]
    return build_pdf(story, font=font, left=f"{title}　回执编号 {body.get('receipt_id')}", top=platform or "开标 Kaibiao",
                     title=f"{title} {body.get('project')} 第{body.get('lot')}标段 {body.get('receipt_id')}",
                     author=platform or "Kaibiao", subject=str((body.get("bidder") or {}).get("name", "")))
