/** @odoo-module */

import { registry } from "@web/core/registry";

const NUMBER_LIMIT = "div[name='callflow_optout_rate_limit_number'] input";

// A manager opens Settings -> Callflow: the opt-out page's limits and the SMS
// sending hours are there; a negative limit is refused with a message naming
// the setting; a valid one is saved.
registry.category("web_tour.tours").add("callflow_settings_tour", {
    steps: () => [
        {
            content: "The SMS sending hours are on the page",
            trigger: "div[name='callflow_sms_window_from'] input",
        },
        {
            content: "Type a negative limit",
            trigger: NUMBER_LIMIT,
            run: "edit -1",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Refused, with the setting named",
            trigger: ".modal:contains('Answers per Number must be between 0 and 1000')",
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Type a valid limit",
            trigger: `body:not(:has(.modal)) ${NUMBER_LIMIT}`,
            run: "edit 7",
        },
        {
            content: "Save (mark the page to see the reload)",
            trigger: ".o_form_button_save",
            run() {
                document.body.classList.add("o_callflow_before_save");
                this.anchor.click();
            },
        },
        {
            content: "Saved: the reloaded page shows 7",
            trigger: `body:not(.o_callflow_before_save) ${NUMBER_LIMIT}`,
            run() {
                if (this.anchor.value !== "7") {
                    throw new Error(`Answers per Number shows ${this.anchor.value}`);
                }
            },
        },
    ],
});
