{
    "name": "Callflow: SMS with Opt-out Links",
    "summary": "Before- and after-call SMS naming who called and from which "
    "published number, with a personal opt-out link, through an HTTP SMS "
    "gateway or Odoo's SMS service",
    "version": "18.0.1.1.0",
    "category": "Sales/CRM",
    "author": "Callflow",
    "maintainers": ["callflow"],
    "website": "https://github.com/callflow/callflow",
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["callflow_optout", "sms"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/ir.model.access.csv",
        "security/callflow_sms_inbound_security.xml",
        "security/callflow_sms_security.xml",
        "data/callflow_sms_reconfirm_data.xml",
        "views/res_config_settings_views.xml",
        "views/callflow_sms_template_views.xml",
        "views/callflow_list_views.xml",
        "views/sms_sms_views.xml",
        "views/optout_templates.xml",
        "views/callflow_sms_inbound_views.xml",
    ],
    "demo": [
        "demo/callflow_sms_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "callflow_sms/static/src/sms_widget/*",
        ],
        "web.assets_tests": [
            "callflow_sms/static/tests/tours/callflow_sms_counter_tour.js",
            "callflow_sms/static/tests/tours/callflow_settings_tour.js",
            "callflow_sms/static/tests/tours/callflow_sms_lang_tour.js",
        ],
    },
    "installable": True,
}
