import { registry } from "@web/core/registry";

// A Japanese recipient opens the link of their SMS on a phone: the page is in
// Japanese, and so is the reason they hear from us.
registry.category("web_tour.tours").add("callflow_sms_ja_link_tour", {
    steps: () => [
        {
            content: "The page is in Japanese",
            trigger: "html[lang='ja-JP'] h1:contains('連絡方法のご希望')",
        },
        {
            content: "The reason is written in Japanese, with a Japanese date",
            trigger:
                ".o_callflow_optout_context:contains('お電話する前にSMSをお送りしました')",
        },
        {
            trigger: ".o_callflow_optout_context:contains('年'):contains('営業の件で')",
        },
        {
            content: "The form fits the phone: the submit button is visible",
            trigger: "button.o_callflow_optout_submit:contains('この内容で保存する')",
        },
    ],
});
