import { registry } from "@web/core/registry";

const KNOWN = ".o_callflow_inbound_pop:has(.o_callflow_pop_name:contains('山田 花子'))";
const UNKNOWN = ".o_callflow_inbound_pop:has(.o_callflow_pop_create_lead)";

// Japanese operator: two calls pop up on the screen through the bus, a
// known caller (with the preference and the complaint in red, the last
// calls and the open lead) and an unknown number; one click opens the
// contact, and the unknown number becomes a lead with the number filled in.
registry.category("web_tour.tours").add("callflow_inbound_pop_tour", {
    steps: () => [
        {
            content: "The web client is loaded",
            trigger: ".o_main_navbar",
            timeout: 30000,
        },
        {
            content: "The known caller pops up: incoming call, name and reading",
            trigger: `${KNOWN}:contains('着信') .o_callflow_pop_phonetic:contains('ヤマダ ハナコ')`,
            timeout: 60000,
        },
        {
            content: "Company and job title",
            trigger: `${KNOWN} .o_callflow_pop_company:contains('山田商事'):contains('部長')`,
        },
        {
            content: "The preference on record, in red",
            trigger: `${KNOWN} .o_callflow_pop_preference.text-danger:contains('登録済みの連絡希望')`,
        },
        {
            content: "The complaint on record, in red",
            trigger: `${KNOWN} .o_callflow_pop_complaint.text-danger:contains('クレーム'):contains('Rude on the phone')`,
        },
        {
            content: "The last three calls with their results",
            trigger: `${KNOWN} .o_callflow_pop_calls:contains('直近の通話') li.o_callflow_pop_call:nth-child(3):contains('No answer')`,
        },
        {
            content: "The open lead",
            trigger: `${KNOWN} .o_callflow_pop_leads a.o_callflow_pop_lead:contains('office chairs')`,
        },
        {
            content: "The unknown number pops up too",
            trigger: `${UNKNOWN} .o_callflow_pop_name:contains('不明な発信者')`,
        },
        {
            content: "Open the contact",
            trigger: `${KNOWN} button.o_callflow_pop_open_contact:contains('連絡先を開く')`,
            run: "click",
        },
        {
            content: "The contact's form, and its pop is closed",
            trigger: `body:not(:has(.o_callflow_pop_open_contact)) .o_form_view .o_field_widget[name=name] input`,
            timeout: 30000,
            run() {
                if (this.anchor.value !== "山田 花子") {
                    throw new Error(`The contact opened is ${this.anchor.value}`);
                }
            },
        },
        {
            content: "Create a lead for the unknown number",
            trigger: `${UNKNOWN} button.o_callflow_pop_create_lead:contains('リードを作成')`,
            run: "click",
        },
        {
            content: "A new lead with the number filled in",
            trigger: `body:not(:has(.o_callflow_pop_create_lead)) .o_lead_opportunity_form .o_field_widget[name=phone] input`,
            timeout: 30000,
            run() {
                const value = this.anchor.value.replace(/\D/g, "");
                if (!value.endsWith("312340000")) {
                    throw new Error(`The lead's phone is ${this.anchor.value}`);
                }
            },
        },
    ],
});
