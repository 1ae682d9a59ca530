from collections import Counter

from lxml import etree

from odoo.models import MetaModel
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import MOBILE, CallflowCommon

ADDON = "callflow_odoo"


@tagged("post_install", "-at_install")
class TestAddonStructure(CallflowCommon, TransactionCase):
    """Each model's fields and methods, and each view, in one place: the
    addon extends other addons, never itself."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.sales_manager = new_test_user(
            cls.env,
            "cf_sales_manager",
            groups="callflow_odoo.group_callflow_manager,"
            "sales_team.group_sale_salesman",
        )

    def form(self, model, xmlid=None, user=None):
        env = self.env(user=user or self.manager)
        view_id = self.env.ref(xmlid).id if xmlid else None
        arch = env[model].get_view(view_id, "form")["arch"]
        return etree.fromstring(arch)

    def test_no_model_is_defined_twice_in_the_addon(self):
        classes = Counter(cls._name for cls in MetaModel.module_to_models[ADDON])
        self.assertEqual(
            [name for name, count in classes.items() if count > 1],
            [],
            "a model of the addon has classes in several files",
        )

    def test_no_view_of_the_addon_inherits_another_of_its_views(self):
        views = self.env["ir.ui.view"].browse(
            self.env["ir.model.data"]
            .search([("module", "=", ADDON), ("model", "=", "ir.ui.view")])
            .mapped("res_id")
        )
        parents = views.inherit_id.get_external_id()
        self.assertEqual(
            sorted(
                view.get_external_id()[view.id]
                for view in views
                if parents.get(view.inherit_id.id, "").startswith(ADDON + ".")
            ),
            [],
        )

    def test_forms_show_where_numbers_came_from(self):
        # The number's form: the export, then where it came from after the
        # date of its last event.
        state = self.form("callflow.preference.state")
        self.assertTrue(state.xpath("//header/button[@name='action_export_ledger']"))
        self.assertEqual(
            [
                f.get("name")
                for f in state.xpath(
                    "//field[@name='last_event_date']/following-sibling::field"
                )
            ],
            ["provenance_source", "provenance_date", "provenance"],
        )
        # The entry's form, under the number; the dialer, under the number.
        entry = self.form(
            "callflow.list.entry", "callflow_odoo.callflow_list_entry_view_form"
        )
        self.assertTrue(
            entry.xpath(
                "//field[@name='number']/following-sibling::field[1][@name='provenance']"
            )
        )
        dialer = self.form(
            "callflow.list.entry",
            "callflow_odoo.callflow_list_entry_view_form_dialer",
            user=self.operator,
        )
        self.assertTrue(
            dialer.xpath(
                "//h2[field[@name='number']]/following-sibling::div[1]"
                "[contains(@class, 'o_callflow_provenance')]/field[@name='provenance']"
            )
        )
        # Contacts and leads: below the banner, above the smart buttons.
        for model in ("res.partner", "crm.lead"):
            form = self.form(model, user=self.sales_manager)
            provenance = form.xpath(
                "//div[contains(@class, 'o_callflow_provenance')]"
                "[field[@name='callflow_provenance']]"
            )
            self.assertEqual(len(provenance), 1, model)
            self.assertEqual(
                provenance[0].getprevious().xpath("field/@name"),
                ["callflow_preference_warning"],
                model,
            )
            self.assertEqual(provenance[0].getnext().get("name"), "button_box", model)
        partner = self.form("res.partner", user=self.sales_manager)
        self.assertTrue(
            partner.xpath(
                "//div[@name='button_box']/button[@name='action_export_callflow_ledger']"
            )
        )

    def test_provenance_reads_on_every_record_of_the_number(self):
        partner = self.env["res.partner"].create(
            {"name": "Sato Ichiro", "mobile": MOBILE}
        )
        self.env["callflow.preference.event"]._record(
            [
                {
                    "number": MOBILE,
                    "channel": "call",
                    "scope": "all",
                    "action": "opt_in",
                    "source": "import",
                    "reason": "x" * 100,
                    "partner_id": partner.id,
                }
            ]
        )
        # Read in the operator's time zone: the date is the day there.
        self.operator.tz = "Asia/Tokyo"
        state = (
            self.env["callflow.preference.state"]
            .with_context(tz="Asia/Tokyo")
            .search([("number", "=", MOBILE)])
        )
        self.assertTrue(state.provenance.startswith("Import, "))
        self.assertTrue(state.provenance.endswith(": " + "x" * 80 + "…"))
        entry = self.make_entry(self.make_list(), MOBILE).with_user(self.operator)
        self.assertEqual(entry.provenance, state.provenance)
        self.assertIn(
            state.provenance, partner.with_context(tz="Asia/Tokyo").callflow_provenance
        )
