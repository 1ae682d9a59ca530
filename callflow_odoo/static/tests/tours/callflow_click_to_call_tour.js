/** @odoo-module */

import { registry } from "@web/core/registry";

// With a voice provider set, an operator clicks "Call" next to the phone of
// a contact who opted out: the dial gate refuses, the browser says why and
// places no call.
registry.category("web_tour.tours").add("callflow_click_to_call_tour", {
    steps: () => [
        {
            content: "Click the contact's phone",
            trigger: ".o_form_view .o_field_widget[name='phone'] a[href^='tel:']:first",
            run: "click",
        },
        {
            content: "The gate refuses and says why",
            trigger: ".o_notification:contains('Call refused'):contains('Opted out')",
        },
    ],
});
