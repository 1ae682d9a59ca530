/** @odoo-module */

import { registry } from "@web/core/registry";

// A manager opens a contact who opted out: the warning banner is at the top of
// the form, the smart button leads to the event history, and the contact
// preferences record of the number shows SMS and calls as blocked.
registry.category("web_tour.tours").add("callflow_preference_banner_tour", {
    steps: () => [
        {
            content: "The banner warns before anyone calls",
            trigger: ".o_form_view .alert-danger:contains('Opted out')",
        },
        {
            content: "Open the preference history",
            trigger: "button[name='action_view_callflow_preferences']:contains('1')",
            run: "click",
        },
        {
            content: "The web opt-out is listed",
            trigger: ".o_list_view .o_data_row:contains('Web page') td.o_data_cell[name='number']",
            run: "click",
        },
        {
            content: "Open the number's current preferences",
            trigger: ".o_form_view .o_field_widget[name='state_id'] .o_form_uri",
            run: "click",
        },
        {
            content: "Calls and SMS are blocked",
            trigger: ".o_form_view .o_field_widget[name='sms_status']:contains('Opted out')",
        },
        {
            trigger: ".o_form_view .alert-warning",
        },
    ],
});
