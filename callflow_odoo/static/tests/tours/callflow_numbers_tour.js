import { registry } from "@web/core/registry";

/**
 * A person who got a call opens the directory on a phone, checks the number
 * typed with full-width digits, then saves the vCard.
 */
registry.category("web_tour.tours").add("callflow_numbers_tour", {
    url: "/callflow/numbers",
    steps: () => [
        {
            content: "Wait until the page styles hide the header dialogs",
            trigger: "body",
            async run() {
                const visibleModals = () =>
                    [...document.querySelectorAll(".modal")].filter(
                        (el) => getComputedStyle(el).display !== "none"
                    );
                for (let i = 0; i < 100 && visibleModals().length; i++) {
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
                if (visibleModals().length) {
                    const ids = visibleModals().map((el) => el.id || el.className);
                    throw new Error(`a dialog covers the page: ${ids.join(", ")}`);
                }
            },
        },
        {
            content: "The directory lists the published numbers as tel: links",
            trigger: ".o_callflow_number a[href='tel:+81345678901']",
        },
        {
            content: "Type the number as seen on the phone, in full-width digits",
            trigger: "#callflow_lookup_number",
            run: "edit ０３－４５６７－８９０１",
        },
        {
            content: "Check it",
            trigger: ".o_callflow_lookup button[type=submit]",
            run: "click",
        },
        {
            content: "The page says it is ours",
            trigger: ".o_callflow_lookup_result.alert-success:contains(Tokyo sales desk)",
        },
        {
            content: "Download the vCard",
            trigger: "a.o_callflow_vcard_download",
            async run(helpers) {
                const response = await fetch(this.anchor.href);
                const type = response.headers.get("Content-Type");
                const disposition = response.headers.get("Content-Disposition");
                const body = await response.text();
                if (!type.startsWith("text/vcard")) {
                    throw new Error(`vCard served as ${type}`);
                }
                if (!disposition.startsWith("attachment")) {
                    throw new Error(`vCard not an attachment: ${disposition}`);
                }
                if (!body.startsWith("BEGIN:VCARD\r\n") || !body.includes("+81 3-4567-8901")) {
                    throw new Error("the downloaded card does not hold our number");
                }
                await helpers.click();
            },
        },
        {
            content: "The page is still there after the download",
            trigger: ".o_callflow_vcard_download",
        },
    ],
});
