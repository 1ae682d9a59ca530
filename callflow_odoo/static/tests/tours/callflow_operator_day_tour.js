import { registry } from "@web/core/registry";

const PICKER = ".modal .o_field_widget[name=result_id]";
const ONE_LEVEL = ".o_control_panel .o_breadcrumb:not(:has(.breadcrumb-item)) .o_last_breadcrumb_item";

function openLog(outcome) {
    const steps = [
        {
            content: "A person to call is on screen",
            trigger: ".o_callflow_dialer:not(:has(.modal)) button.o_callflow_log",
            timeout: 30000,
        },
        {
            content: "Log the result",
            trigger: ".o_callflow_dialer button.o_callflow_log",
            run: "click",
        },
    ];
    if (outcome) {
        steps.push({
            content: `Outcome: ${outcome}`,
            trigger: `.modal .o_field_widget[name=outcome] input[data-value=${outcome}]`,
            run: "click",
        });
    }
    return steps;
}

function logAndNext(confirmation) {
    return [
        {
            content: "Log and go to the next person",
            trigger: ".modal button.o_callflow_log_next",
            run: "click",
        },
        {
            content: "A short confirmation says the call was saved",
            trigger: `.o_notification_content:contains(${confirmation})`,
            timeout: 30000,
        },
        {
            content: "The next person replaces the last one: one breadcrumb level",
            trigger: `body:not(:has(.modal)) ${ONE_LEVEL}`,
        },
    ];
}

// An operator's day: the login lands on the dialer, which shows the number
// as people read it; three calls with Log and next stay on one screen.
registry.category("web_tour.tours").add("callflow_operator_day_tour", {
    steps: () => [
        {
            content: "The login lands on the dialer, the number in national format",
            trigger: ".o_callflow_dialer a.o_callflow_phone[href^='tel:+8180555521']:contains(080-5555-210)",
            timeout: 30000,
        },
        {
            content: "No company repeats the person's name",
            trigger: ".o_callflow_dialer:not(:has(.o_field_widget[name=commercial_partner_id]))",
        },
        ...openLog("answered"),
        {
            content: "Every conversation result is offered, none hidden",
            trigger: `${PICKER}:contains(Interested):contains(Meeting booked):not(:contains(Search More))`,
        },
        {
            content: "Pick Interested",
            trigger: `${PICKER} .o_radio_item:not(:contains(Not)) label:contains(Interested)`,
            run: "click",
        },
        ...logAndNext("logged (Interested)"),
        // Answered is the default outcome; the results have the focus.
        ...openLog(false),
        {
            content: "The result used last comes first: key 1 picks it",
            trigger: `${PICKER} .o_radio_item:first-child:contains(Interested) .o_callflow_result_key:contains(1)`,
            run: "press 1",
        },
        {
            trigger: `${PICKER} .o_radio_item:first-child:contains(Interested) input:checked`,
        },
        ...logAndNext("logged (Interested)"),
        ...openLog("no_answer"),
        {
            content: "Without an answer, only the results that fit are offered",
            trigger: `${PICKER}:contains(Busy):not(:contains(Interested))`,
        },
        {
            trigger: `${PICKER} .o_radio_item:has(input:checked):contains(No answer)`,
        },
        ...logAndNext("logged (No answer)"),
        {
            content: "Three calls later, still one breadcrumb level",
            trigger: ONE_LEVEL,
        },
    ],
});

// The same screen for a Japanese operator: the script and the results read
// in Japanese, though an English user created the list.
registry.category("web_tour.tours").add("callflow_operator_day_ja_tour", {
    steps: () => [
        {
            content: "The script is in Japanese",
            trigger: ".o_callflow_dialer .o_field_widget[name=list_script]:contains(名乗り)",
            timeout: 30000,
        },
        ...openLog("answered"),
        {
            content: "The results are in Japanese",
            trigger: `${PICKER}:contains(興味あり):contains(商談予約)`,
        },
        {
            trigger: `${PICKER} label:contains(興味あり)`,
            run: "click",
        },
        ...logAndNext("興味あり"),
    ],
});
