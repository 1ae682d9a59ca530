/** @odoo-module */

import { registry } from "@web/core/registry";

const LABELS = ["Remaining", "Done", "Callbacks", "Suppressed", "Invalid"];

/**
 * Number of lines the text of ``element`` takes: one client rect per line
 * box of its text (an element's own box is one rect however it wraps).
 */
function lineCount(element) {
    const range = document.createRange();
    range.selectNodeContents(element);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    return tops.size;
}

// A manager opens the call lists at 1366x768: each counter label of a card
// stays on one line ("Remaining", never "Rem/ainin/g").
registry.category("web_tour.tours").add("callflow_list_kanban_tour", {
    steps: () => [
        {
            content: "The call lists open as cards",
            trigger: ".o_kanban_record:contains('Kanban width check')",
        },
        {
            content: "Each counter label is one line",
            trigger: ".o_kanban_record:contains('Kanban width check')",
            run() {
                const card = [...document.querySelectorAll(".o_kanban_record")].find((c) =>
                    c.textContent.includes("Kanban width check")
                );
                for (const text of LABELS) {
                    const label = [...card.querySelectorAll("span, div")].find(
                        (el) => el.children.length === 0 && el.textContent.trim() === text
                    );
                    if (!label) {
                        throw new Error(`No counter labelled "${text}" on the card`);
                    }
                    const lineHeight = parseFloat(getComputedStyle(label).lineHeight);
                    const lines = lineCount(label);
                    if (lines !== 1 || label.offsetHeight > lineHeight * 1.5) {
                        throw new Error(
                            `"${text}" takes ${lines} lines (${label.offsetHeight}px, line ${lineHeight}px)`
                        );
                    }
                }
            },
        },
    ],
});
