import { registry } from "@web/core/registry";

// In the open call-log dialog: the result "Interested", then Log & next.
function logInterestedAndNext() {
    return [
        {
            content: "Interested",
            trigger: ".modal .o_field_widget[name=result_id] .o_radio_item:contains('Interested'):not(:contains('Not')) input",
            run: "click",
        },
        {
            content: "Log and go to the next person",
            trigger: ".modal button.o_callflow_log_next",
            run: "click",
        },
    ];
}

// With a Twilio-compatible provider (the tests' local server), the operator
// presses Call and follows the call live, through the bus: ringing them, in
// call with the timer, ended with the talk time; then logs the result.
registry.category("web_tour.tours").add("callflow_voice_call_tour", {
    steps: () => [
        {
            content: "Call, with its shortcut in the tooltip: press Alt+A",
            trigger: ".o_callflow_dialer button.o_callflow_call[data-hotkey=a][data-tooltip='Call (Alt+A)']",
            run: "press alt+a",
            timeout: 30000,
        },
        {
            content: "Their phone rings",
            trigger: ".o_callflow_call_label[data-state=ringing]:contains('Ringing them')",
            timeout: 30000,
        },
        {
            content: "In call, with the timer running, and Hang up",
            trigger: ".o_callflow_call_state:has(.o_callflow_hangup):has(.o_callflow_call_label[data-state=in_progress]) .o_callflow_call_timer:contains(':')",
            timeout: 30000,
        },
        {
            content: "Ended, with the talk time",
            trigger: ".o_callflow_call_state:has(.o_callflow_call_label[data-state=completed]) .o_callflow_call_timer:contains('00:42')",
            timeout: 30000,
        },
        {
            content: "Log the result",
            trigger: ".o_callflow_dialer:not(:has(.o_callflow_hangup)) button.o_callflow_log",
            run: "click",
        },
        ...logInterestedAndNext(),
        {
            content: "The next person is on screen",
            trigger: ".o_callflow_dialer:not(:has(.modal)) .o_callflow_dialer_name:contains('Sato')",
            timeout: 30000,
        },
    ],
});

// Power mode: after Log result, the next person is called by itself once the
// wrap-up countdown is over; the operator can pause it.
registry.category("web_tour.tours").add("callflow_voice_power_tour", {
    steps: () => [
        {
            content: "The first person: no countdown before any result; Alt+L logs",
            trigger: ".o_callflow_dialer:not(:has(.o_callflow_countdown)) button.o_callflow_log[data-tooltip='Log result (Alt+L)']",
            run: "press alt+l",
            timeout: 30000,
        },
        ...logInterestedAndNext(),
        {
            content: "The next person, and the wrap-up countdown",
            trigger: ".o_callflow_dialer:has(.o_callflow_dialer_name:contains('Sato')) .o_callflow_countdown:contains('Next call in')",
            timeout: 30000,
        },
        {
            content: "Pause the countdown",
            trigger: ".o_callflow_countdown_pause",
            run: "click",
        },
        {
            content: "Paused: wait longer than the wrap-up time",
            trigger: ".o_callflow_countdown_pause:contains('Resume')",
            run: () => new Promise((resolve) => setTimeout(resolve, 9000)),
        },
        {
            content: "Still paused, no call placed: resume",
            trigger: ".o_callflow_call_state:not(:has(.o_callflow_call_label)) .o_callflow_countdown_pause:contains('Resume')",
            run: "click",
        },
        {
            content: "The call is placed by itself and ends unanswered",
            trigger: ".o_callflow_call_label[data-state=no_answer]",
            timeout: 30000,
        },
    ],
});
