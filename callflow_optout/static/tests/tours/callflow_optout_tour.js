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

// A person who only wants calls at certain times: picks the days and hours on
// a phone, adds a comment, and reads back what was saved.
registry.category("web_tour.tours").add("callflow_optout_certain_times", {
    steps: () => [
        {
            content: "Choose 'only at certain times': the days and hours appear",
            trigger: "label[for=cf_answer_certain_times]",
            run: "click",
        },
        {
            content: "Weekdays are preselected; untick Friday",
            trigger: "#cf_times_day_5:checked",
            run: "click",
        },
        {
            trigger: "#cf_times_from:visible",
            run: "select 9",
        },
        {
            trigger: "#cf_times_to",
            run: "select 12",
        },
        {
            trigger: "#cf_comments",
            run: "edit Please ask for Mr Sato",
        },
        {
            content: "Submit",
            trigger: "button.o_callflow_optout_submit",
            run: "click",
        },
        {
            content: "The saved days and hours are read back",
            trigger: ".o_callflow_optout_done ~ p:contains('Mon–Thu 09:00–12:00')",
        },
    ],
});
