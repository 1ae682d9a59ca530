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
    "external_dependencies": {"python": ["phonenumbers", "vobject"]},
    "data": [
        "security/callflow_security.xml",
        "security/ir.model.access.csv",
        "views/callflow_menus.xml",
        "views/callflow_preference_event_views.xml",
        "views/callflow_preference_state_views.xml",
        "views/callflow_preference_event_wizard_views.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_views.xml",
    ],
    "demo": [
        "demo/callflow_preference_event_demo.xml",
    ],
    "application": True,
    "installable": True,
}
