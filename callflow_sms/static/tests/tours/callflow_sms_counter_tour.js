import { registry } from "@web/core/registry";
import { session } from "@web/session";

// 85 Japanese characters: UCS-2, two parts of 67, 49 left.
const JAPANESE = "お電話ありがとうございました。".repeat(5) + "株式会社コールフロー";
// 150 GSM-7 characters plus five extension characters that take two each.
const GSM_EXTENDED = "x".repeat(150) + "€{}[]";

function typeAndCheck(textarea, text, expect) {
    return [
        { trigger: textarea, run: `edit ${text}` },
        { trigger: `.o_sms_count:contains('${expect}')` },
    ];
}

registry.category("web_tour.tours").add("callflow_sms_counter_tour", {
    steps: () => [
        // The callflow template editor.
        ...typeAndCheck(
            ".o_field_widget[name=body] textarea",
            JAPANESE,
            "85 characters, fits in 2 SMS (UCS-2)"
        ),
        { trigger: ".o_callflow_sms_left:contains('49 characters left')" },
        { trigger: ".o_form_view:not(:has(.o_callflow_sms_warning))" },
        ...typeAndCheck(
            ".o_field_widget[name=body] textarea",
            GSM_EXTENDED,
            "160 characters, fits in 1 SMS (GSM-7)"
        ),
        { trigger: ".o_callflow_sms_left:contains('0 characters left')" },
        { trigger: ".o_field_widget[name=body] textarea", run: "edit {optout_link}" },
        {
            content: "The opt-out link counts at its real length",
            trigger: ".o_sms_count:contains('1 SMS (GSM-7)')",
            run() {
                const expected = session.callflow_optout_link_length;
                const text = document.querySelector(".o_sms_count").textContent;
                if (!text.includes(`${expected} characters`)) {
                    throw new Error(`expected ${expected} characters, got: ${text}`);
                }
            },
        },
        {
            content: "Paste 101 emoji (the tour's typing cannot enter them)",
            trigger: ".o_field_widget[name=body] textarea",
            run() {
                const textarea = document.querySelector(".o_field_widget[name=body] textarea");
                textarea.value = "👋".repeat(101);
                textarea.dispatchEvent(new InputEvent("input", { bubbles: true }));
            },
        },
        { trigger: ".o_sms_count:contains('202 characters, fits in 4 SMS (UCS-2)')" },
        {
            content: "Warned above 3 parts",
            trigger: ".o_callflow_sms_warning:contains('4 SMS parts')",
        },
    ],
});

registry.category("web_tour.tours").add("callflow_sms_composer_tour", {
    steps: () => [
        {
            content: "Focus the mobile number: its SMS button appears",
            trigger: ".o_field_widget[name=mobile] input",
            run: "click",
        },
        {
            content: "Open Odoo's SMS composer from the contact's mobile",
            trigger: ".o_field_widget[name=mobile] .o_field_phone_sms",
            run: "click",
        },
        ...typeAndCheck(
            ".modal .o_field_widget[name=body] textarea",
            "Hello {from} the team",
            "23 characters, fits in 1 SMS (GSM-7)"
        ),
        { trigger: ".modal .o_callflow_sms_left:contains('137 characters left')" },
        ...typeAndCheck(
            ".modal .o_field_widget[name=body] textarea",
            JAPANESE + JAPANESE + JAPANESE,
            "255 characters, fits in 4 SMS (UCS-2)"
        ),
        { trigger: ".modal .o_callflow_sms_warning:contains('4 SMS parts')" },
    ],
});

registry.category("web_tour.tours").add("callflow_sms_link_length_tour", {
    steps: () => [
        {
            content: "The template's name holds the server's character count",
            trigger: ".o_field_widget[name=body] textarea",
        },
        {
            content: "The live counter agrees with the server",
            trigger: ".o_sms_count:contains('characters')",
            run() {
                const expected = document.querySelector(
                    ".o_field_widget[name=name] input"
                ).value;
                const text = document.querySelector(".o_sms_count").textContent;
                if (!text.startsWith(`${expected} characters`)) {
                    throw new Error(`server counts ${expected} characters, browser: ${text}`);
                }
            },
        },
    ],
});
