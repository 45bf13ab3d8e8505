// The browser's times and amounts (src/formats.js) follow trading/formats.py: the same cases,
// worked by hand, as tests/trading/test_formats.py (there, each case's reason is written out).
// The visitor's own zone is not Beijing's: the formatter must not depend on it.
process.env.TZ = "America/New_York";

import { test } from "node:test";
import assert from "node:assert/strict";
import { beijingTime, capitalYuan, moneyText, parseAmount, sealedAmountShown, yuanText } from "../src/formats.js";
import { submittedText } from "../src/pages/receipt-text.js";

const CAPITALS = [
  ["4598600", "肆佰伍拾玖万捌仟陆佰元整"],
  ["10005", "壹万零伍元整"],
  ["1000000.50", "壹佰万元零伍角"],
  ["0", "零元整"],
  ["0.05", "伍分"],
  ["0.50", "伍角"],
  ["1409.50", "壹仟肆佰零玖元伍角"],
  ["6007.14", "陆仟零柒元壹角肆分"],
  ["1680.32", "壹仟陆佰捌拾元零叁角贰分"],
  ["107000.53", "壹拾万柒仟元零伍角叁分"],
  ["16409.02", "壹万陆仟肆佰零玖元零贰分"],
  ["325.04", "叁佰贰拾伍元零肆分"],
  ["10", "壹拾元整"],
  ["17680000", "壹仟柒佰陆拾捌万元整"],
  ["100000000", "壹亿元整"],
  ["100010000", "壹亿零壹万元整"],
  ["110000000", "壹亿壹仟万元整"],
  ["200500", "贰拾万零伍佰元整"],
  ["1000000001", "壹拾亿零壹元整"],
  ["1010.10", "壹仟零壹拾元零壹角"],
  ["100000000.05", "壹亿元零伍分"],
  ["12345678901.23", "壹佰贰拾叁亿肆仟伍佰陆拾柒万捌仟玖佰零壹元贰角叁分"],
  ["1000000000000", "壹万亿元整"],
  ["101", "壹佰零壹元整"],
  ["0.01", "壹分"],
  ["-12.50", "负壹拾贰元伍角"],
  ["9999999999999999.99", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"],
];

for (const [amount, capital] of CAPITALS) {
  test(`capital_numerals_worked_by_hand: ${amount}`, () => {
    assert.equal(capitalYuan(amount), capital);
  });
}

test("capital_numerals_of_what_a_bidder_types_as_it_types_it", () => {
  assert.equal(capitalYuan("17,680,000.00"), "壹仟柒佰陆拾捌万元整");
  assert.equal(capitalYuan("１７６８００００"), "壹仟柒佰陆拾捌万元整");
  assert.equal(capitalYuan("7350000.125"), null); // never rounded: no 大写 for what is not an amount
  assert.equal(capitalYuan("10000000000000000"), null);
  assert.equal(capitalYuan("abc"), null);
});

const READ = [
  ["17,680,000.00", "17680000.00"],
  ["17680000", "17680000.00"],
  ["１７６８００００", "17680000.00"],
  ["１７，６８０，０００．５０", "17680000.50"],
  ["17680000。5", "17680000.50"],
  [" 17680000元 ", "17680000.00"],
  ["￥17,680,000", "17680000.00"],
  ["0.5", "0.50"],
  ["007", "7.00"],
];
for (const [typed, value] of READ) {
  test(`an_amount_is_read_as_people_type_it: ${typed}`, () => {
    assert.deepEqual(parseAmount(typed), { value });
  });
}

const REFUSED = [
  ["", "empty"], ["1768万", "wan"], ["1768.5万元", "wan"], ["1768,000", "grouping"], ["17,680,00", "grouping"],
  ["7350000.125", "decimals"], ["17 680 000", "digits"], ["abc", "digits"], ["1e6", "digits"], ["17680000.", "digits"],
];
for (const [typed, code] of REFUSED) {
  test(`what_is_not_an_amount_is_told_what_to_write: ${JSON.stringify(typed)}`, () => {
    const read = parseAmount(typed);
    assert.equal(read.error, code);
    assert.match(read.message, /17680000|17,680,000/);
  });
}

test("amounts_are_grouped_exactly_and_named_in_yuan", () => {
  assert.equal(moneyText("4598600"), "4,598,600.00");
  assert.equal(moneyText("9999999999999999.99"), "9,999,999,999,999,999.99"); // no float on the way
  assert.equal(yuanText("4598600.00"), "4,598,600.00 yuan"); // the catalog makes it 4,598,600.00元
  assert.equal(yuanText("7350000.125"), "7350000.125"); // not an amount to the fen: shown as it is
  assert.equal(yuanText(null), "—");
});

test("times_are_beijing_time_whatever_the_visitors_zone", () => {
  // 13:55:02.161 UTC is 21:55:02.161 in Beijing; node's own zone (TZ) plays no part
  const at = "2026-12-04T13:55:02.161Z";
  assert.equal(beijingTime(at), "2026-12-04 21:55:02");
  assert.equal(beijingTime(at, { precision: "ms" }), "2026-12-04 21:55:02.161");
  assert.equal(beijingTime(at, { precision: "min" }), "2026-12-04 21:55");
  assert.equal(beijingTime(at, { precision: "time" }), "21:55:02");
  assert.equal(beijingTime(Date.parse(at), { zone: true }), "2026-12-04 21:55:02 (Beijing time)");
  assert.equal(beijingTime(new Date(at)), "2026-12-04 21:55:02");
  // across midnight, and the last millisecond before ten is not rounded up
  assert.equal(beijingTime("2026-12-31T16:00:00Z"), "2027-01-01 00:00:00");
  assert.equal(beijingTime("2026-03-18T01:59:59.999Z"), "2026-03-18 09:59:59");
  assert.equal(beijingTime(null), "—");
  assert.equal(beijingTime("not a time"), "—");
});

test("on_a_chinese_page_the_catalog_names_the_zone_and_the_yuan", () => {
  // what /jsi18n/ defines on a zh-hans page (djangojs.po)
  const zh = { "%(time)s (%(zone)s)": "%(time)s（%(zone)s）", "Beijing time": "北京时间", "%(amount)s yuan": "%(amount)s元" };
  globalThis.gettext = (msgid) => zh[msgid] ?? msgid;
  try {
    assert.equal(beijingTime("2026-12-04T13:55:02.161Z", { zone: true }), "2026-12-04 21:55:02（北京时间）");
    assert.equal(yuanText("4598600"), "4,598,600.00元");
  } finally {
    delete globalThis.gettext;
  }
});

test("a_sealed_price_is_shown_grouped_with_its_capitals_or_as_sealed", () => {
  assert.deepEqual(sealedAmountShown("4598600.00"), { text: "4,598,600.00 yuan", capital: "肆佰伍拾玖万捌仟陆佰元整" });
  assert.deepEqual(sealedAmountShown("4,598,600"), { text: "4,598,600.00 yuan", capital: "肆佰伍拾玖万捌仟陆佰元整" });
  for (const asSealed of ["7350000.125", "0", "-5", "abc", 7350000.5, true, null, { price: 1 }]) {
    assert.equal(sealedAmountShown(asSealed), null, JSON.stringify(asSealed));
  }
});

test("the_upload_success_message_says_beijing_time_never_utc", () => {
  const text = submittedText({ version: 2, server_time: "2026-12-04T13:55:02.161Z", receipt_id: "r-1" });
  assert.equal(text, "Submitted: version 2, received 2026-12-04 21:55:02.161 (Beijing time), receipt number r-1.");
  assert.doesNotMatch(text, /T13:55|Z\b/);
});
