{
    "name": "Callflow: Opt-out Page",
    "summary": "Public page behind personal unsubscribe links: the called person "
    "chooses how (or whether) to be contacted, and the CRM obeys at once",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Callflow",
    "maintainers": ["callflow"],
    "website": "https://github.com/callflow/callflow",
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["callflow_odoo", "website", "portal", "website_crm"],
    "data": [
        "security/ir.model.access.csv",
    ],
    "installable": True,
}
