{
    "name": "Callflow: Dialer, Call Results and Caller Numbers",
    "summary": "Call lists with attempt caps and calling windows, call-result "
    "tracking, a contact-preference ledger and a published directory of "
    "the numbers the company calls from",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Callflow",
    "maintainers": ["callflow"],
    "website": "https://github.com/callflow/callflow",
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["crm", "phone_validation", "website"],
    "external_dependencies": {"python": ["phonenumbers", "vobject", "qrcode"]},
    "data": [
        "security/callflow_security.xml",
        "security/ir.model.access.csv",
        "views/callflow_menus.xml",
        "views/callflow_preference_event_views.xml",
        "views/callflow_preference_state_views.xml",
        "views/callflow_preference_event_wizard_views.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_views.xml",
        "security/callflow_caller_number_security.xml",
        "views/callflow_caller_number_views.xml",
        "views/res_company_views.xml",
        "views/callflow_numbers_templates.xml",
        "data/website_menu_data.xml",
    ],
    "demo": [
        "demo/callflow_preference_event_demo.xml",
        "demo/callflow_caller_number_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "callflow_odoo/static/tests/tours/callflow_numbers_tour.js",
        ],
    },
    "application": True,
    "installable": True,
}
