import { Component, reactive } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";

// Pops kept on screen at once (the newest first).
const MAX_POPS = 3;

/** A server datetime (UTC string) in the user's time zone, short. */
function shortDateTime(value) {
    try {
        return formatDateTime(deserializeDateTime(value), { format: "MM/dd HH:mm" });
    } catch {
        return value || "";
    }
}

/**
 * The screen pop of an inbound call (issue #14): who is calling, before
 * "hello". Shown on the bus notification "callflow.inbound/pop" that
 * callflow.inbound._pop sends to the operator who rings or answers: name,
 * company, job title and phonetic reading, the preference and any
 * complaint on record in red, the last three calls, the open leads; one
 * click opens the contact, a lead or the list entry; an unknown number
 * offers to create a contact or a lead with the number filled in.
 */
export class CallflowInboundPop extends Component {
    static template = "callflow_odoo.CallflowInboundPop";
    static props = { pops: Object, dismiss: Function, open: Function };

    get items() {
        return this.props.pops.list;
    }

    when(value) {
        return shortDateTime(value);
    }

    title(pop) {
        return pop.known ? pop.name : _t("Unknown caller");
    }

    openContact(pop) {
        this.props.open(pop, "res.partner", pop.partner_id);
    }

    openLead(pop, leadId) {
        this.props.open(pop, "crm.lead", leadId);
    }

    openEntry(pop) {
        this.props.open(pop, "callflow.list.entry", pop.entry_id);
    }

    createContact(pop) {
        this.props.open(pop, "res.partner", false, {
            default_phone: pop.number,
        });
    }

    createLead(pop) {
        this.props.open(pop, "crm.lead", false, {
            default_phone: pop.number,
            default_type: "lead",
            default_name: _t("Call from %s", pop.number),
        });
    }
}

export const callflowInboundPopService = {
    dependencies: ["bus_service", "action"],

    start(env, { bus_service, action }) {
        const pops = reactive({ list: [] });

        function dismiss(pop) {
            pops.list = pops.list.filter((p) => p.call_id !== pop.call_id);
        }

        async function open(pop, model, resId, context = {}) {
            dismiss(pop);
            await action.doAction({
                type: "ir.actions.act_window",
                res_model: model,
                res_id: resId || undefined,
                views: [[false, "form"]],
                target: "current",
                context,
            });
        }

        function add(payload) {
            const others = pops.list.filter((p) => p.call_id !== payload.call_id);
            pops.list = [payload, ...others].slice(0, MAX_POPS);
        }

        registry.category("main_components").add("callflow_odoo.InboundPop", {
            Component: CallflowInboundPop,
            props: { pops, dismiss, open },
        });
        bus_service.subscribe("callflow.inbound/pop", add);
        if (!bus_service.isActive) {
            bus_service.start();
        }
        return { add, dismiss };
    },
};

registry.category("services").add("callflow_inbound_pop", callflowInboundPopService);
