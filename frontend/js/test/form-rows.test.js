// The staff forms' script, its plain parts: a new row from Django's empty form, the search of
// a long list of organizations, the next lot number.
import { test } from "node:test";
import assert from "node:assert/strict";
import { matches, nextNumber, rowMarkup, visibleOptions } from "../src/pages/form-rows.js";

test("a_new_row_takes_the_index_everywhere_django_wrote_the_prefix", () => {
  const empty = '<fieldset data-row><input name="items-__prefix__-key" id="id_items-__prefix__-key"></fieldset>';
  assert.equal(rowMarkup(empty, 4), '<fieldset data-row><input name="items-4-key" id="id_items-4-key"></fieldset>');
});

test("the_search_finds_an_organization_by_part_of_its_name_or_code_whatever_the_width_or_case", () => {
  const label = "广西华标招标代理有限公司（91450103348120960X）";
  assert.ok(matches(label, "华标"));
  assert.ok(matches(label, "9145 0103"));
  assert.ok(matches(label, "０x"));  // a full-width zero, a lower-case x
  assert.ok(matches(label, "华标 代理"));
  assert.ok(!matches(label, "八桂"));
  assert.ok(matches(label, "   "));
});

test("the_list_keeps_the_empty_choice_and_the_chosen_one_while_narrowed", () => {
  const options = [
    { value: "", label: "---------" },
    { value: "1", label: "南宁市交通运输局" },
    { value: "2", label: "柳州市自然资源局" },
    { value: "3", label: "柳州市住房和城乡建设局" },
  ];
  assert.deepEqual(visibleOptions(options, "柳州", "").map((o) => o.value), ["", "2", "3"]);
  assert.deepEqual(visibleOptions(options, "自然", "1").map((o) => o.value), ["", "1", "2"]);
  assert.deepEqual(visibleOptions(options, "", "").map((o) => o.value), ["", "1", "2", "3"]);
});

test("the_next_lot_number_is_one_above_the_largest_typed", () => {
  assert.equal(nextNumber(["1", "2"]), 3);
  assert.equal(nextNumber(["3", "", undefined, "1"]), 4);
  assert.equal(nextNumber([]), 1);
});
