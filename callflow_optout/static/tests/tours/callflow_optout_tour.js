import { registry } from "@web/core/registry";

// A person opens the link from an SMS on a phone, keeps the preselected
// "stop all contact" and submits: one tap.
registry.category("web_tour.tours").add("callflow_optout_one_tap", {
    steps: () => [
        {
            content: "The page says why we contacted them and masks the number",
            trigger: ".o_callflow_optout_number:contains('****')",
        },
        {
            content: "Stop all contact is preselected",
            trigger: "#cf_answer_stop_all:checked",
        },
        {
            content: "Submit",
            trigger: "button.o_callflow_optout_submit",
            run: "click",
        },
        {
            content: "Confirmation with a way to change the answer",
            trigger: ".o_callflow_optout_done:contains('your choice is saved')",
        },
        {
            trigger: "a.o_callflow_optout_change",
        },
    ],
});
