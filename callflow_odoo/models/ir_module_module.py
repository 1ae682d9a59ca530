from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(
        self, modules, langs, overwrite=False, imported_module=False
    ):
        res = super()._load_module_terms(
            modules, langs, overwrite=overwrite, imported_module=imported_module
        )
        # A language installed after lists were created: the lists that keep
        # the shipped script get it in that language too.
        if "callflow_odoo" in modules and "callflow.list" in self.env:
            lists = self.env["callflow.list"].with_context(
                lang="en_US", active_test=False
            )
            lists.search([])._translate_default_script()
        return res
