import { registry } from "@web/core/registry";

// A manager's live board: an operator's state changes on the server (the
// test sets it from Python once the board listens) and the line shows it
// without a reload; then the manager pauses another operator.
registry.category("web_tour.tours").add("callflow_live_board_tour", {
    steps: () => [
        {
            content: "The operator is not logged in: offline",
            trigger: ".o_callflow_board_operator:has(.o_callflow_board_name:contains('Board Operator')) .o_callflow_board_state[data-state=offline]:contains('Offline')",
            timeout: 30000,
        },
        {
            content: "Mark the page: a reload would drop this attribute",
            trigger: ".o_callflow_live_board",
            run() {
                document.querySelector(".o_callflow_live_board").dataset.tourMark = "1";
            },
        },
        {
            content: "In call, from the bus, with its timer",
            trigger: ".o_callflow_live_board[data-tour-mark='1'] .o_callflow_board_operator:has(.o_callflow_board_name:contains('Board Operator')):has(.o_callflow_board_timer:contains(':')) .o_callflow_board_state[data-state=in_call]:contains('In call')",
            timeout: 30000,
        },
        {
            content: "Pause the other operator",
            trigger: ".o_callflow_board_operator:has(.o_callflow_board_name:contains('Board Second')) button.o_callflow_board_pause:contains('Pause')",
            run: "click",
        },
        {
            content: "Paused: the button resumes",
            trigger: ".o_callflow_board_operator:has(.o_callflow_board_name:contains('Board Second')) button.o_callflow_board_pause:contains('Resume')",
        },
    ],
});
