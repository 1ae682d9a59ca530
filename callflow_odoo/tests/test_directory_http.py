from datetime import timedelta
from urllib.parse import urlencode

import vobject
from lxml import html

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools.cache import STAT

from .common import CallflowCommon, noisy_png

SPECIAL_LABEL = "Sales, Tokyo; 東京 \\ desk\nsecond line 📞"


@tagged("post_install", "-at_install")
class TestDirectoryHttp(CallflowCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_directory_company()
        today = fields.Date.context_today(cls.env["callflow.caller.number"])
        cls.sales = cls.create_number(
            "03-4567-8901",
            name="Tokyo sales desk",
            description="We call people who asked for a quote.",
        )
        cls.special = cls.create_number(
            "+81 6 6123 4567", name=SPECIAL_LABEL, purpose="sales"
        )
        cls.survey = cls.create_number(
            "050-3123-4567", name="Survey team", purpose="survey"
        )
        cls.london = cls.create_number(
            "+44 20 7946 0958", name="London office", purpose="after_sales"
        )
        cls.retired = cls.create_number(
            "03-3123-4567",
            name="Old sales line",
            date_start=today - timedelta(days=900),
            date_end=today - timedelta(days=30),
        )
        cls.secret = cls.create_number(
            "03-5555-0100", name="Secret test line", is_published=False
        )
        cls.company.logo = noisy_png()

    # ------------------------------------------------------------------
    # page and lookup
    # ------------------------------------------------------------------
    def _page(self, query=None):
        url = "/callflow/numbers"
        if query:
            url += "?" + urlencode({"number": query})
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response.text, html.fromstring(response.content)

    def test_page_lists_published_numbers_by_purpose(self):
        text, tree = self._page()
        purposes = tree.xpath("//section[hasclass('o_callflow_purpose')]/@data-purpose")
        self.assertEqual(purposes, ["sales", "after_sales", "survey"])
        tel_links = tree.xpath("//li[hasclass('o_callflow_number')]//a/@href")
        self.assertEqual(
            sorted(tel_links),
            sorted(
                [
                    "tel:+81345678901",
                    "tel:+81661234567",
                    "tel:+815031234567",
                    "tel:+442079460958",
                ]
            ),
        )
        self.assertIn("We call people who asked for a quote.", text)
        retired = tree.xpath("//li[hasclass('o_callflow_number_retired')]")
        self.assertEqual(len(retired), 1)
        self.assertIn("Old sales line", retired[0].text_content())
        self.assertIn("No longer in use since", retired[0].text_content())
        self.assertFalse(retired[0].xpath(".//a[starts-with(@href, 'tel:')]"))
        # company identity, download, QR code and the opt-out hook
        self.assertIn("コールフロー株式会社", text)
        self.assertTrue(tree.xpath("//a[hasclass('o_callflow_vcard_download')]"))
        qr = tree.xpath("//img[hasclass('o_callflow_vcard_qr')]/@src")[0]
        image = self.url_open(qr)
        self.assertEqual(image.status_code, 200)
        self.assertEqual(image.headers["Content-Type"], "image/svg+xml")
        self.assertIn("max-age", image.headers["Cache-Control"])
        self.assertIn(b"<svg", image.content)
        self.assertTrue(tree.xpath("//div[@id='callflow_numbers_optout_hook']"))

    def test_unpublished_number_never_shown(self):
        text, _tree = self._page()
        self.assertNotIn("Secret test line", text)
        self.assertNotIn("5555-0100", text)
        text, tree = self._page("03-5555-0100")
        self.assertNotIn("Secret test line", text)
        self.assertEqual(
            tree.xpath("//div[hasclass('o_callflow_lookup_result')]/@class")[0].split()[
                1
            ],
            "alert-warning",
        )
        self.assertIn("is not one of our numbers", text)

    def test_lookup_accepts_any_format(self):
        for query in (
            "03-4567-8901",
            "+81 3 4567 8901",
            "0345678901",
            "０３－４５６７－８９０１",
            "(03) 4567.8901",
        ):
            with self.subTest(query=query):
                _text, tree = self._page(query)
                result = tree.xpath("//div[hasclass('o_callflow_lookup_result')]")[0]
                self.assertIn("alert-success", result.get("class"))
                self.assertIn("Tokyo sales desk", result.text_content())
                self.assertIn("It is in service.", result.text_content())

    def test_lookup_retired_number(self):
        _text, tree = self._page("03-3123-4567")
        result = tree.xpath("//div[hasclass('o_callflow_lookup_result')]")[0]
        self.assertIn("Old sales line", result.text_content())
        self.assertIn("retired since", result.text_content())

    def test_lookup_unknown_and_garbage(self):
        _text, tree = self._page("090-9999-8888")
        result = tree.xpath("//div[hasclass('o_callflow_lookup_result')]")[0]
        self.assertIn("alert-warning", result.get("class"))
        self.assertIn(
            "+81 90-9999-8888 is not one of our numbers", result.text_content()
        )
        for garbage in ("hello", "<script>x</script>", "%%%", "１" * 300, "'; drop"):
            with self.subTest(garbage=garbage):
                text, tree = self._page(garbage)
                result = tree.xpath("//div[hasclass('o_callflow_lookup_result')]")[0]
                self.assertIn("could not read", result.text_content())
                self.assertNotIn("<script>x", text)
        response = self.url_open("/callflow/numbers?number=1&number=2&foo[]=x")
        self.assertEqual(response.status_code, 200)

    # ------------------------------------------------------------------
    # vCard
    # ------------------------------------------------------------------
    def _vcard(self, url="/callflow/numbers.vcf"):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "text/vcard; charset=utf-8")
        self.assertTrue(
            response.headers["Content-Disposition"].startswith("attachment")
        )
        self.assertIn(".vcf", response.headers["Content-Disposition"])
        return response.content

    def assertWellFormed(self, body):
        self.assertFalse(body.startswith(b"\xef\xbb\xbf"), "no BOM")
        self.assertTrue(body.endswith(b"\r\n"))
        self.assertNotIn(b"\n", body.replace(b"\r\n", b""), "CRLF only")
        for line in body.split(b"\r\n"):
            self.assertLessEqual(len(line), 75, line)
            line.decode("utf-8")  # a multi-byte character is never cut
        self.assertLess(len(body), 256 * 1024)

    def test_vcard_all_numbers(self):
        body = self._vcard()
        self.assertWellFormed(body)
        card = vobject.readOne(body.decode())
        self.assertEqual(card.version.value, "3.0")
        self.assertEqual(card.fn.value, "コールフロー株式会社")
        self.assertEqual(card.n.value.family, "コールフロー株式会社")
        self.assertEqual(card.org.value, ["コールフロー株式会社"])
        self.assertEqual(card.contents["x-abshowas"][0].value, "COMPANY")
        self.assertIn(b"\r\nX-ABShowAs:COMPANY\r\n", body)
        self.assertEqual(
            card.contents["x-phonetic-org"][0].value, "コールフローカブシキガイシャ"
        )
        labels = {line.group: line.value for line in card.contents["x-ablabel"]}
        phones = {}
        for tel in card.contents["tel"]:
            self.assertEqual(tel.params["TYPE"], ["WORK", "VOICE"])
            phones[tel.value] = labels[tel.group]
        self.assertEqual(
            phones,
            {
                "+81 3-4567-8901": "Tokyo sales desk",
                "+81 6-6123-4567": SPECIAL_LABEL,
                "+81 50-3123-4567": "Survey team",
                "+44 20 7946 0958": "London office",
            },
        )
        # retired and unpublished numbers are not in the card
        self.assertNotIn(b"3123-4567\r\n", body.replace(b"50-3123-4567", b""))
        # (outside the embedded logo, whose base64 may hold any digits)
        text_lines = [
            line
            for line in body.replace(b"\r\n ", b"").split(b"\r\n")
            if not line.startswith((b"LOGO", b"PHOTO"))
        ]
        self.assertNotIn(b"5555", b"\n".join(text_lines))
        self.assertNotIn("Secret", body.decode())
        self.assertTrue(card.url.value.endswith("/callflow/numbers"))
        self.assertIn("Sales", card.note.value)
        self.assertIn("Survey", card.note.value)
        self.assertTrue(card.uid.value.startswith("urn:uuid:"))
        self.assertRegex(card.rev.value, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # the 1200 px noisy logo is scaled down to one small picture: PHOTO,
        # which contacts apps show; no second copy as LOGO
        [photo] = card.contents["photo"]
        self.assertNotIn("logo", card.contents)
        self.assertEqual(body.count(b"\r\nPHOTO"), 1)
        logo = photo.value
        self.assertLess(len(logo), 64 * 1024)
        self.assertTrue(logo.startswith((b"\x89PNG", b"\xff\xd8")))
        # same UID on every download: a re-import updates the contact
        self.assertEqual(
            vobject.readOne(self._vcard().decode()).uid.value, card.uid.value
        )

    def test_vcard_escaping_round_trip(self):
        body = self._vcard()
        # the raw text escapes , ; \ and the newline
        raw = body.replace(b"\r\n ", b"").decode()
        self.assertIn("Sales\\, Tokyo\\; 東京 \\\\ desk\\nsecond line 📞", raw)
        self.special.name = "Osaka 大阪😀" * 20  # long multi-byte label: folded
        body = self._vcard()
        self.assertWellFormed(body)
        card = vobject.readOne(body.decode())
        self.assertIn(
            "Osaka 大阪😀" * 20, [line.value for line in card.contents["x-ablabel"]]
        )

    def test_vcard_per_purpose(self):
        body = self._vcard("/callflow/numbers/survey.vcf")
        self.assertWellFormed(body)
        card = vobject.readOne(body.decode())
        self.assertEqual(
            [tel.value for tel in card.contents["tel"]], ["+81 50-3123-4567"]
        )
        self.assertIn("Survey", card.note.value)
        self.assertNotEqual(
            card.uid.value, vobject.readOne(self._vcard().decode()).uid.value
        )
        response = self.url_open("/callflow/numbers/nonsense.vcf")
        self.assertEqual(response.status_code, 404)
        self.assertIn("text/html", response.headers["Content-Type"])
        self.assertNotIn("Traceback", response.text)

    def test_tour_phone_download(self):
        """On a phone: check a number typed in full-width digits, download."""
        self.browser_size = "375x667"
        self.touch_enabled = True
        self.start_tour("/callflow/numbers", "callflow_numbers_tour", login=None)

    def test_website_menu(self):
        menus = self.env["website.menu"].search([("url", "=", "/callflow/numbers")])
        self.assertTrue(menus)
        self.assertIn(self.env["website"].get_current_website(), menus.website_id)

    def test_page_and_card_in_japanese(self):
        """A Japanese visitor reads the page and gets the card in Japanese."""
        lang = self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(["callflow_odoo"], ["ja_JP"])
        website = self.env["website"].get_current_website()
        website.language_ids |= lang
        self.sales.with_context(lang="ja_JP").name = "東京営業窓口"
        response = self.url_open("/ja/callflow/numbers?number=０３－４５６７－８９０１")
        self.assertEqual(response.status_code, 200)
        self.assertIn("当社からの発信番号", response.text)
        self.assertIn("東京営業窓口", response.text)
        self.assertIn("は当社の番号です", response.text)
        card = vobject.readOne(self._vcard("/ja/callflow/numbers.vcf").decode())
        self.assertIn(
            "東京営業窓口", [line.value for line in card.contents["x-ablabel"]]
        )
        self.assertIn("用途", card.note.value)

    def test_dates_follow_the_page_language(self):
        """A retired number's date reads unambiguously in each language:
        never the US 06/01/2026 on the Japanese page."""
        lang = self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(["callflow_odoo"], ["ja_JP"])
        self.env["website"].get_current_website().language_ids |= lang
        end = self.retired.date_end
        _text, tree = self._page()
        [retired] = tree.xpath("//li[hasclass('o_callflow_number_retired')]")
        english = f"{end:%B} {end.day}, {end.year}"
        self.assertIn(f"No longer in use since {english}", retired.text_content())
        response = self.url_open("/ja/callflow/numbers?number=03-3123-4567")
        tree = html.fromstring(response.content)
        [retired] = tree.xpath("//li[hasclass('o_callflow_number_retired')]")
        japanese = f"{end.year}年{end.month}月{end.day}日"
        self.assertIn(
            f"使用終了日： {japanese}", " ".join(retired.text_content().split())
        )
        self.assertIn("廃止", retired.text_content())
        [found] = tree.xpath("//div[hasclass('o_callflow_lookup_result')]")
        self.assertIn(japanese, found.text_content())
        self.assertNotIn(end.strftime("%m/%d/%Y"), response.text)

    def test_number_list_rendered_once_and_refreshed_on_change(self):
        """The list of 200 numbers is not rendered again on every visit; a
        number published, retitled or unpublished shows on the next one."""
        Directory = self.env["callflow.directory"]
        website = self.env["website"].get_current_website()
        first = Directory._directory_list_html(self.company, website)
        self.assertIs(Directory._directory_list_html(self.company, website), first)
        self.assertIn("Tokyo sales desk", first)
        new = self.create_number("03-4567-0002", name="New Osaka desk")
        text, _tree = self._page()
        self.assertIn("New Osaka desk", text)
        new.name = "Renamed Osaka desk"
        text, _tree = self._page()
        self.assertIn("Renamed Osaka desk", text)
        self.assertNotIn("New Osaka desk", text)
        new.is_published = False
        text, _tree = self._page()
        self.assertNotIn("Osaka desk", text)

    def _list_renders_asked(self):
        """How many times a page asked for its number list (cached or not)."""
        return sum(
            counter.hit + counter.miss
            for (_db, model, method), counter in STAT.items()
            if model == "callflow.directory"
            and method.__name__ == "_directory_list_cached"
        )

    def test_page_body_kept_between_visits(self):
        """A visit without a lookup gets the body the previous one rendered
        (the number list is not even asked for); a lookup renders its own."""
        self._page()
        asked = self._list_renders_asked()
        text, _tree = self._page()
        self.assertIn("Tokyo sales desk", text)
        self.assertEqual(self._list_renders_asked(), asked)
        text, tree = self._page("03-4567-8901")
        self.assertIn("Tokyo sales desk", text)
        self.assertTrue(tree.xpath("//div[hasclass('o_callflow_lookup_result')]"))
        self.assertEqual(self._list_renders_asked(), asked + 1)
        # the lookup's answer is not kept for the next visitor
        text, tree = self._page()
        self.assertFalse(tree.xpath("//div[hasclass('o_callflow_lookup_result')]"))
        self.assertEqual(
            tree.xpath("//input[@id='callflow_lookup_number']/@value"), [""]
        )

    def test_page_body_refreshed_when_a_number_retires_or_is_edited(self):
        """The kept page body never hides a change: a number edited, retired
        or unpublished shows as such on the very next visit."""
        self._page()
        self.survey.write({"name": "Survey desk", "description": "Weekdays only."})
        text, _tree = self._page()
        self.assertIn("Survey desk", text)
        self.assertIn("Weekdays only.", text)
        today = fields.Date.context_today(self.env["callflow.caller.number"])
        self.london.date_end = today - timedelta(days=1)
        _text, tree = self._page()
        retired = tree.xpath("//li[hasclass('o_callflow_number_retired')]")
        self.assertIn("London office", " ".join(li.text_content() for li in retired))
        in_service = tree.xpath("//li[hasclass('o_callflow_number')]")
        self.assertNotIn(
            "London office", " ".join(li.text_content() for li in in_service)
        )
        self.london.date_start = today + timedelta(days=1)
        self.london.date_end = False
        _text, tree = self._page()
        [london] = [
            li
            for li in tree.xpath("//li[hasclass('o_callflow_number')]")
            if "London office" in li.text_content()
        ]
        self.assertIn("In service from", london.text_content())
        self.sales.is_published = False
        text, _tree = self._page()
        self.assertNotIn("Tokyo sales desk", text)
        self.survey.active = False
        text, _tree = self._page()
        self.assertNotIn("Survey desk", text)

    def test_page_body_kept_per_language(self):
        """Each language gets its own page body, refreshed on a change of a
        translated label; the English page never shows the Japanese one."""
        lang = self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(["callflow_odoo"], ["ja_JP"])
        self.env["website"].get_current_website().language_ids |= lang

        def visit(path):
            self.opener.cookies.clear()  # a new visitor: no language cookie
            response = self.url_open(path)
            self.assertEqual(response.status_code, 200)
            return response.text

        english = visit("/callflow/numbers")
        japanese = visit("/ja/callflow/numbers")
        self.assertIn("Numbers we call from", english)
        self.assertIn("当社からの発信番号", japanese)
        self.sales.with_context(lang="ja_JP").name = "東京営業窓口"
        japanese = visit("/ja/callflow/numbers")
        english = visit("/callflow/numbers")
        self.assertIn("東京営業窓口", japanese)
        self.assertNotIn("Tokyo sales desk", japanese)
        self.assertIn("Tokyo sales desk", english)
        self.assertNotIn("東京営業窓口", english)
        self.assertNotIn("当社からの発信番号", english)

    def test_visit_runs_no_more_queries_than_login(self):
        """The directory keeps up with Odoo's own login page (#16): a visit
        without a lookup runs no more SQL than a visit of /web/login."""

        def queries(path):
            for _ in range(2):  # caches filled
                self.url_open(path)
            before = self.cr.sql_log_count
            response = self.url_open(path)
            self.assertEqual(response.status_code, 200)
            return self.cr.sql_log_count - before

        self.assertLessEqual(queries("/callflow/numbers"), queries("/web/login"))
