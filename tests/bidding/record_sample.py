"""A realistic opening record dict, as the hall builds it for bidding.record_pdf: a works tender
with the category's default declared items, bids that opened, failed and were remedied, a value
that does not fit, a price above the ceiling, K, an objection and the step log."""

import hashlib

from bidding.opening_form import default_items

NAMES = ["江苏华建工程有限公司", "南京市政建设集团有限公司", "苏州工业园区恒基建设有限公司", "无锡路桥工程有限公司",
         "常州城建集团股份有限公司", "徐州淮海建设工程有限公司", "扬州永信建筑安装有限公司", "镇江润扬市政工程有限公司"]
MANAGERS = ["张工", "李建国", "王晓明", "赵志刚", "陈静", "刘海涛", "周立", "吴敏"]


def _uscc(i: int) -> str:
    return f"91320100MA1{i:06d}{'0123456789ABCDEFGHJKLMNPQRTUWXY'[i % 31]}"


def _hex(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def _bid(i: int, name: str) -> dict:
    outcome = "decrypted"
    form = {"price": f"{7_000_000 + i * 123_457 + (i * 7) % 100 / 100:.2f}", "duration_days": 180 + i % 5 * 10,
            "quality": "合格" if i % 3 else "优良", "project_manager": MANAGERS[i % len(MANAGERS)]}
    return {
        "bidder": name, "uscc": _uscc(i), "version": 1 + i % 2, "received_at": f"2025-03-17T{1 + i % 9:02d}:{i % 60:02d}:07.125000+00:00",
        "receipt_id": f"R-20250317-{i:04d}",
        "files": [
            {"name": "开标一览表.age", "kind": "form", "size": 1_204 + i, "sha256": _hex("form", i)},
            {"name": f"商务技术文件-{i}.zip.age", "kind": "file", "size": 23_456_789 + i * 1000, "sha256": _hex("bid", i)},
        ],
        "outcome": outcome, "outcome_reason": "", "form": form, "flags": [], "above_ceiling": False,
        "ceiling_reason": "", "confirmation": "confirmed", "confirmed_at": f"2025-03-18T01:{40 + i % 15:02d}:{i % 60:02d}+00:00",
    }


def make_record(n_bids: int = 6) -> dict:
    names = [NAMES[i] if i < len(NAMES) else f"第{i + 1}投标人建设工程有限公司" for i in range(n_bids)]
    bids = [_bid(i, name) for i, name in enumerate(names)]
    if n_bids > 1:
        # the bidder's own key failed: counts as revoked; nothing was read
        bids[1].update(outcome="revoked", form=None, outcome_reason="投标人未在解密时限内完成解密（投标人原因）。",
                       confirmation="deemed_accepted", confirmed_at="2025-03-18T02:00:00+00:00")
    if n_bids > 2:
        bids[2].update(above_ceiling=True,
                       ceiling_reason="投标报价8,800,000.00元超过最高投标限价8,765,432.10元，该投标应予否决。")
        bids[2]["form"]["price"] = "8800000.00"
    if n_bids > 3:
        # a value that does not fit, shown as sealed and flagged
        bids[3]["form"]["price"] = "7350000.125"
        bids[3]["flags"] = ["投标报价（元）: at most two decimals (fen)"]
        bids[3]["confirmation"], bids[3]["confirmed_at"] = "objected", "2025-03-18T01:47:12+00:00"
    if n_bids > 4:
        bids[4].update(outcome="remedied", outcome_reason="投标人密钥损坏，依招标文件约定由密钥保管人补救解密。")
    if n_bids > 5:
        bids[5].update(outcome="withdrawn", form={}, outcome_reason="密文文件在传输中损坏，非投标人原因，视为撤回。")
    return {
        "tender": {
            "project_code": "JSGC-2025-0317-01", "project_name": "南京江北新区滨江大道改造提升工程（一期）施工",
            "lot_number": "1", "lot_name": "道路及排水工程", "trading_center": "江苏省公共资源交易中心",
            "tenderee": "南京江北新区建设投资集团有限公司", "agent": "江苏省建设工程招标代理有限公司",
            "budget": "9000000", "ceiling_price": "8765432.1", "bid_deadline": "2025-03-18T01:30:00+00:00",
        },
        "opening": {"host": "孙主持", "supervisor": "钱监督", "started_at": "2025-03-18T01:30:00+00:00",
                    "ended_at": "2025-03-18T02:15:42+00:00", "decryption_minutes": 30},
        "declared_items": [{k: item[k] for k in ("key", "label", "type")} for item in default_items("works")],
        "bids": bids,
        "random_coefficient": {
            "range": {"low": "0.95", "high": "0.99", "step": "0.005"}, "commitment": _hex("commitment"), "seed": _hex("seed"),
            "lot": "JSGC-2025-0317-01/1",
            "contributions": [{"contributor": b["uscc"], "nonce": _hex("nonce", b["uscc"])} for b in bids[:4]],
            "k": "0.975", "drawn_at": "2025-03-18T02:05:09+00:00",
        },
        "objections": [{
            "bidder": bids[min(3, n_bids - 1)]["bidder"],
            "question": "我公司报价为 7350000.125 元，系录入笔误，请确认按 7350000.12 元读取。",
            "asked_at": "2025-03-18T01:47:12+00:00",
            "answer": "开标记录按加密封存的原样照录，不作更正；是否符合要求由评标委员会依招标文件评审。",
            "answered_by": "孙主持", "answered_at": "2025-03-18T01:52:30+00:00",
        }],
        "steps": [
            {"at": "2025-03-18T01:30:00+00:00", "actor": "系统", "role": "", "action": "投标截止，共收到投标文件 %d 份" % n_bids, "address": ""},
            {"at": "2025-03-18T01:30:05+00:00", "actor": "孙主持", "role": "staff", "action": "开始解密", "address": "10.12.0.8"},
            {"at": "2025-03-18T01:31:44+00:00", "actor": bids[0]["bidder"], "role": "bidder", "action": "提交解密密钥，解密成功", "address": "2409:8a1e:6c3f:1a0::25"},
            {"at": "2025-03-18T02:05:09+00:00", "actor": "孙主持", "role": "staff", "action": "抽取随机系数 K = 0.975", "address": "10.12.0.8"},
            {"at": "2025-03-18T02:15:42+00:00", "actor": "孙主持", "role": "staff", "action": "开标结束", "address": "10.12.0.8"},
        ],
        "custodians": [{"name": "周密钥（交易中心）", "handed_in_at": "2025-03-18T01:40:00+00:00"},
                       {"name": "郑保管（监督部门）", "handed_in_at": "2025-03-18T01:41:30+00:00"},
                       {"name": "冯备份（招标人）", "handed_in_at": None}],
        "digest_of_events": _hex("events"),
    }
