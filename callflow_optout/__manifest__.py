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
        "security/callflow_optout_security.xml",
        "data/callflow_optout_data.xml",
        "data/callflow_optout_cron.xml",
        "views/optout_templates.xml",
        "views/website_contactus_templates.xml",
        "views/callflow_optout_token_views.xml",
        "views/callflow_optout_response_views.xml",
        "views/crm_lead_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "callflow_optout/static/src/scss/optout.scss",
        ],
        "web.assets_tests": [
            "callflow_optout/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
