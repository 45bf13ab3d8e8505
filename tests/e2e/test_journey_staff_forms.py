"""A trading center's clerk, in a real browser, at a desk and on a phone: registers a project
with three lots (amounts typed as people write them, the tenderee and agent found with the
search box, a fourth lot added and taken away again), then sets the tender's sealing rules as a
form (a column added to the opening form and moved up, another removed, the file size in MB,
K's range, a mistake in it said beside the field and nothing typed lost) and invites the key
custodians by ticking them. Each page is kept as a screenshot (tests/e2e/conftest.py ARTIFACTS)."""

from decimal import Decimal

import pytest
from channels.testing import ChannelsLiveServerTestCase

from bidding.models import CustodianKey, KeyCeremony, TenderRules
from bidding.opening_form import default_items
from trading.choices import Role
from trading.models import AuditEvent, Project

from ..trading.factories import CenterFactory, OrganizationFactory, UserFactory, agent_organization, tenderee_organization
from .conftest import PHONE, WIDTHS, assert_fits_the_width, chromium, log_in, new_context, require_browser, screenshot

MB = 1024 * 1024
# Placeholders for the custodians' registered keys: the invitation only asks that a key is registered.
RECIPIENTS = [
    "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
    "age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg",
    "age1yhm4gctwfmrpz87tdslm550wrx6m79y9f2hdzt0lndjnehwj0ukqrjpyx5",
]


@pytest.mark.browser
class StaffFormsJourneyTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        self.center = CenterFactory(name="南宁市公共资源交易中心", region_code="450100")
        self.clerk = UserFactory(role=Role.STAFF, center=self.center, username="clerk", full_name="黄丽娟")
        self.tenderee = tenderee_organization(name="南宁市交通运输局")
        tenderee_organization(name="柳州市自然资源局")
        self.agent = agent_organization(name="广西华标招标代理有限公司")
        self.bidder_org = OrganizationFactory(name="广西邕江建设工程有限公司")
        UserFactory(role=Role.BIDDER, organization=self.bidder_org)
        self.custodians = [UserFactory(role=Role.CUSTODIAN, username=f"custodian.0{i + 1}", full_name=name)
                           for i, name in enumerate(["赵文斌", "罗佳琪", "甘少华"])]
        for custodian, recipient in zip(self.custodians, RECIPIENTS):
            CustodianKey.objects.create(user=custodian, recipient=recipient)

    def test_the_clerk_registers_a_project_with_three_lots_and_sets_its_sealing_rules(self):
        with chromium() as browser:
            for width, viewport in WIDTHS.items():
                with self.subTest(width=width):
                    context = new_context(browser, viewport=viewport)
                    page = log_in(context, self.live_server_url, "clerk")
                    project = self.register_project(page, width)
                    self.set_sealing_rules(page, project, width)
                    context.close()

    def test_without_script_rows_are_added_by_a_submit_removed_by_a_tick_and_ordered_by_number(self):
        with chromium() as browser:
            context = new_context(browser, viewport=PHONE, java_script_enabled=False)
            page = log_in(context, self.live_server_url, "clerk")
            page.goto(f"{self.live_server_url}/work/projects/new/")
            # The buttons the script would give are not there; the tick box and the plain list are.
            assert not page.is_visible("[data-remove-row]") and page.is_visible("input[name=lots-0-DELETE]")
            assert page.locator("#id_tenderee-search").count() == 0
            page.fill("#id_code", "NN2027-GC-0201")
            page.fill("#id_name", "南宁市邕江堤防加固工程")
            page.select_option("#id_category", "works")
            page.fill("#id_region_code", "450100")
            page.select_option("#id_tenderee", str(self.tenderee.pk))
            self.fill_lot(page, 0, "堤防工程", "5,000,000.00", "", "")
            page.click("[data-add-row]")  # a submit: the page comes back with a second row, numbered 2
            assert page.input_value("#id_lots-0-name") == "堤防工程" and page.input_value("#id_lots-1-number") == "2"
            assert page.locator(".errors").count() == 0  # nothing judged yet
            self.fill_lot(page, 1, "泵站工程", "2,000,000.00", "", "")
            page.click("[data-add-row]")
            self.fill_lot(page, 2, "多余的标段", "1,000,000.00", "", "")
            page.check("input[name=lots-2-DELETE]")
            screenshot(page, "staff-forms-noscript-1-project-with-lots")
            assert_fits_the_width(page)
            page.click("button[name=save]")
            page.wait_for_url(lambda url: "/work/projects/new/" not in url)
            project = Project.objects.get(code="NN2027-GC-0201")
            assert [(lot.number, lot.name) for lot in project.lots.order_by("number")] == [(1, "堤防工程"), (2, "泵站工程")]

            # The opening form ordered by typing numbers; a column added by the submit.
            page.goto(f"{self.live_server_url}/work/projects/{project.pk}/sealing/")
            for index, order in enumerate(["1", "3", "4", "2"]):  # price, duration, quality, project manager
                page.fill(f"input[name=items-{index}-ORDER]", order)
            page.click("#sealing-rules [data-add-row]")
            orders = page.locator("#sealing-rules input[name$='-ORDER']").all()
            keys = page.locator("#sealing-rules input[name$='-key']").all()
            assert [o.input_value() for o in orders] == ["1", "2", "3", "4", "5"]  # shown in the order typed
            assert [k.input_value() for k in keys][:4] == ["price", "project_manager", "duration_days", "quality"]
            page.fill("input[name=items-4-key]", "warranty_months")
            page.fill("input[name=items-4-label]", "质保期（月）")
            page.select_option("select[name=items-4-type]", "integer")
            screenshot(page, "staff-forms-noscript-2-sealing-rules")
            assert_fits_the_width(page)
            page.click("button[name=save_rules]")
            page.wait_for_selector("ul.messages li.success")
            rules = TenderRules.objects.get(project=project)
            assert [item["key"] for item in rules.declared_items] == [
                "price", "project_manager", "duration_days", "quality", "warranty_months"]
            context.close()

    # --- the project, its lots --------------------------------------------------------------

    def register_project(self, page, width) -> Project:
        code = f"NN2027-GC-{'0101' if width == 'desktop' else '0102'}"
        page.goto(f"{self.live_server_url}/work/projects/new/")
        assert_fits_the_width(page)
        page.fill("#id_code", code)
        page.fill("#id_name", "南宁市五象新区道路改造工程")
        page.select_option("#id_category", "works")
        page.fill("#id_region_code", "450100")
        # The tenderee list holds tenderees only, and its search box narrows it to one.
        tenderees = page.locator("#id_tenderee option").all_inner_texts()
        assert any("南宁市交通运输局" in t for t in tenderees)
        assert not any(self.bidder_org.name in t for t in tenderees)
        assert not any(self.agent.name in t for t in tenderees)
        page.fill("#id_tenderee-search", "交通")
        assert page.input_value("#id_tenderee") == str(self.tenderee.pk)
        page.fill("#id_agent-search", "华标")
        assert page.input_value("#id_agent") == str(self.agent.pk)

        # One lot is there; two more are added, then a fourth added and taken away again.
        self.fill_lot(page, 0, "道路工程", "17,680,000.00", "17,000,000", "340,000.00")
        page.click("[data-add-row]")
        assert page.input_value("#id_lots-1-number") == "2"
        self.fill_lot(page, 1, "桥梁工程", "9,850,000.00", "", "150,000")
        page.click("[data-add-row]")
        self.fill_lot(page, 2, "交通安全设施", "1,234,567.80", "1,200,000.00", "20,000.00")
        page.click("[data-add-row]")
        assert page.input_value("#id_lots-3-number") == "4"
        page.locator("fieldset.form-row").nth(3).locator("[data-remove-row]").click()
        assert page.locator("fieldset.form-row.removed").count() == 1
        screenshot(page, f"staff-forms-{width}-1-project-with-lots")
        assert_fits_the_width(page)
        page.click("button[name=save]")
        page.wait_for_url(lambda url: "/work/projects/new/" not in url)
        screenshot(page, f"staff-forms-{width}-2-project-registered")  # the project's page is not this journey's

        project = Project.objects.get(code=code)
        assert (project.tenderee, project.agent) == (self.tenderee, self.agent)
        lots = list(project.lots.order_by("number"))
        assert [(lot.number, lot.name) for lot in lots] == [(1, "道路工程"), (2, "桥梁工程"), (3, "交通安全设施")]
        assert [lot.budget for lot in lots] == [Decimal("17680000.00"), Decimal("9850000.00"), Decimal("1234567.80")]
        assert [lot.ceiling_price for lot in lots] == [Decimal("17000000.00"), None, Decimal("1200000.00")]
        assert [lot.bid_security for lot in lots] == [Decimal("340000.00"), Decimal("150000.00"), Decimal("20000.00")]
        assert "17,680,000.00元" in page.content()
        return project

    def fill_lot(self, page, index, name, budget, ceiling, security):
        page.fill(f"#id_lots-{index}-name", name)
        page.fill(f"#id_lots-{index}-budget", budget)
        page.fill(f"#id_lots-{index}-ceiling_price", ceiling)
        page.fill(f"#id_lots-{index}-bid_security", security)
        page.select_option(f"#id_lots-{index}-evaluation_method", "comprehensive")

    # --- the sealing rules ------------------------------------------------------------------

    def set_sealing_rules(self, page, project, width):
        page.goto(f"{self.live_server_url}/work/projects/{project.pk}/sealing/")
        rows = page.locator("#sealing-rules fieldset.form-row")
        # The category's usual columns are the first rows.
        keys = [rows.nth(i).locator("input[name$='-key']").input_value() for i in range(rows.count())]
        assert keys == [item["key"] for item in default_items("works")]
        assert page.input_value("#id_max_file_mb") == "2048"
        screenshot(page, f"staff-forms-{width}-3-sealing-rules-defaults")
        assert_fits_the_width(page)

        # A column added (安全员), moved up above 项目经理; 质量标准 removed.
        page.click("#sealing-rules [data-add-row]")
        new = rows.nth(4)
        new.locator("input[name$='-key']").fill("safety_officer")
        new.locator("input[name$='-label']").fill("专职安全员")
        new.locator("select[name$='-type']").select_option("text")
        new.locator("[data-move-up]").click()
        rows.nth(2).locator("[data-remove-row]").click()
        # The file size in MB and a range of K whose step does not fit: said beside the field.
        page.fill("#id_max_file_mb", "500")
        page.fill("#id_k_low", "0.02")
        page.fill("#id_k_high", "0.05")
        page.fill("#id_k_step", "0.007")
        page.click("button[name=save_rules]")
        page.wait_for_selector(".field-k_step .errors")
        assert "步长" in page.inner_text(".field-k_step .errors")
        screenshot(page, f"staff-forms-{width}-4-sealing-rules-an-error")
        assert_fits_the_width(page)
        # Nothing typed is lost: the rows as they were left, the size, the range.
        assert page.input_value("#id_max_file_mb") == "500" and page.input_value("#id_k_step") == "0.007"
        assert not TenderRules.objects.filter(project=project).exists()
        page.fill("#id_k_step", "0.0005")
        page.click("button[name=save_rules]")
        page.wait_for_selector("ul.messages li.success")
        screenshot(page, f"staff-forms-{width}-5-sealing-rules-saved")
        assert_fits_the_width(page)

        rules = TenderRules.objects.get(project=project)
        assert [item["key"] for item in rules.declared_items] == ["price", "duration_days", "safety_officer", "project_manager"]
        assert rules.declared_items[2] == {"key": "safety_officer", "label": "专职安全员", "type": "text", "required": True}
        assert rules.max_file_bytes == 500 * MB
        assert (rules.k_low, rules.k_high, rules.k_step) == ("0.02", "0.05", "0.0005")
        assert AuditEvent.objects.filter(action="bid_rules.updated", project=project).count() == 1

        # The custodians, ticked; two of three needed.
        for custodian in self.custodians:
            page.check(f"input[name=custodians][value='{custodian.pk}']")
        page.fill("input[name=k]", "2")
        page.click("form[action$='/custodians/'] button[type=submit]")
        page.wait_for_selector("a[href$='/ceremony/']")
        screenshot(page, f"staff-forms-{width}-6-custodians-invited")
        assert_fits_the_width(page)
        ceremony = KeyCeremony.objects.get(project=project)
        assert (ceremony.k, ceremony.n) == (2, 3)
