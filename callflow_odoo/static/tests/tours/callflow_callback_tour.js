import { registry } from "@web/core/registry";

// A callback due a few seconds after the page loads: "Call back … now" with
// Call, Snooze 10 min and Reassign appears at its minute; Snooze moves it
// (the test checks the new time on the server).
registry.category("web_tour.tours").add("callflow_callback_tour", {
    steps: () => [
        {
            content: "The web client is loaded",
            trigger: ".o_main_navbar",
            timeout: 30000,
        },
        {
            content: "At its minute: Call back Hanako Yamada now",
            trigger: ".o_callflow_callback_notification .o_notification_title:contains('Call back Hanako Yamada now')",
            timeout: 60000,
        },
        {
            content: "The number, the list and the promised time",
            trigger: ".o_callflow_callback_notification .o_notification_content:contains('090-1111-2222'):contains('Autumn callbacks')",
        },
        {
            content: "Call, Snooze 10 min and Reassign",
            trigger: ".o_callflow_callback_notification .o_notification_buttons:has(button:contains('Call')):has(button:contains('Reassign'))",
        },
        {
            content: "Snooze 10 min",
            trigger: ".o_callflow_callback_notification button:contains('Snooze 10 min')",
            run: "click",
        },
        {
            content: "Snoozed: the callback notification is gone, the new time shown",
            trigger: "body:not(:has(.o_callflow_callback_notification)) .o_callflow_callback_snoozed:contains('Hanako Yamada: call back at')",
            timeout: 30000,
        },
    ],
});
