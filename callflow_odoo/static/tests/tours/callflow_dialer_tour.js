import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("callflow_dialer_tour", {
    steps: () => [
        {
            content: "The dialer shows the number to call as a tel: link",
            trigger: ".o_callflow_dialer a[href^='tel:+8190']",
            timeout: 30000,
        },
        {
            content: "Log the result",
            trigger: "button.o_callflow_log",
            run: "click",
        },
        {
            content: "Outcome: no answer",
            trigger: ".modal .o_field_widget[name=outcome] input[data-value=no_answer]",
            run: "click",
        },
        {
            content: "The result that goes with it is proposed",
            trigger: ".modal .o_field_widget[name=result_id] .o_radio_item:has(input:checked):contains('No answer')",
        },
        {
            content: "Log and go to the next person",
            trigger: ".modal button.o_callflow_log_next",
            run: "click",
        },
        {
            content: "The next entry is on screen, nothing logged on it yet",
            trigger: ".o_callflow_dialer:not(:has(.modal)) button.o_callflow_log",
            timeout: 30000,
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});

// "Skip" shows somebody else: the skipped person waits behind the others.
registry.category("web_tour.tours").add("callflow_dialer_skip_tour", {
    steps: () => [
        {
            content: "The first person in the queue is on screen",
            trigger: ".o_callflow_dialer .o_callflow_dialer_name:contains('Hanako Yamada')",
            timeout: 30000,
        },
        {
            content: "Skip",
            trigger: "button.o_callflow_skip",
            run: "click",
        },
        {
            content: "The next person is on screen, not the skipped one",
            trigger: ".o_callflow_dialer .o_callflow_dialer_name:contains('Sato'):not(:contains('Hanako'))",
            timeout: 30000,
        },
    ],
});
