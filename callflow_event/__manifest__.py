{
    "name": "Callflow: Event Registration Preferences",
    "summary": "Asks attendees at event registration how they may be contacted; "
    "the answer goes to the Callflow contact preference ledger",
    "version": "18.0.1.0.0",
    "category": "Marketing/Events",
    "author": "Callflow",
    "maintainers": ["callflow"],
    "website": "https://github.com/callflow/callflow",
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["website_event", "callflow_optout"],
    "data": [
        "views/event_registration_templates.xml",
        "views/event_registration_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "callflow_event/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    # A bridge: installed by itself where both sides are, so that Callflow
    # never pulls in the event app.
    "auto_install": True,
}
