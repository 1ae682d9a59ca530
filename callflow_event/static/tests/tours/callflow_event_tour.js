/** @odoo-module **/

import {registry} from "@web/core/registry";

// An attendee registers on a phone and says "email only, please".
registry.category("web_tour.tours").add("callflow_event_email_only", {
    url: "/event",
    steps: () => [
        {
            content: "Open the seminar",
            trigger: 'article:contains("Callflow Seminar")',
            run: "click",
        },
        {
            content: "Open the registration",
            trigger: 'button:contains("Register")',
            run: "click",
        },
        {
            content: "One seat",
            trigger: ".modal.show .o_wevent_registration_single select",
            run: "select 1",
        },
        {
            content: "Go to the attendee details",
            trigger: ".modal.show .modal-footer button:contains(Register):enabled",
            run: "click",
        },
        {
            trigger: ".modal.modal_shown.show form[id=attendee_registration]",
        },
        {
            trigger: '.modal.show input[name*="-name-"]',
            run: "edit Suzuki Hanako",
        },
        {
            trigger: '.modal.show input[name*="-email-"]',
            run: "edit hanako@example.com",
        },
        {
            trigger: '.modal.show input[name*="-phone-"]',
            run: "edit 090-2222-3333",
        },
        {
            content: "Email only, please",
            trigger: ".modal.show .o_callflow_event_contact_choice label:contains(Email only)",
            run: "click",
        },
        {
            trigger: '.modal.show input[name="1-callflow_contact_note"]',
            run: "edit please email me",
        },
        {
            trigger:
                ".modal#modal_attendees_registration:not(.o_inactive_modal) button[type=submit].btn-primary",
            run: "click",
        },
        {
            content: "Registered",
            trigger: ".o_wereg_confirmed",
        },
    ],
});
