import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

// Counters (calls, connects, lists, callbacks) are refreshed this often;
// the operators' states come from the bus as they change.
const REFRESH_MS = 60000;
const ACTIVE = ["ringing", "in_call", "wrap_up"];

/** Seconds as m:ss, or h:mm:ss past an hour. */
export function formatDuration(seconds) {
    const s = Math.max(Math.floor(seconds || 0), 0);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * The floor's live board (issue #14): each operator's state and for how
 * long, today's figures per operator and per list, list progress, callbacks
 * due within the hour and inbound calls waiting or missed. One RPC
 * (callflow.live.board.load) at first and every minute for the counters;
 * the operators' states are patched from the bus notifications
 * "callflow.operator/state" of the company's channel (managers only, see
 * ir.websocket), without reload or polling.
 */
export class CallflowLiveBoard extends Component {
    static template = "callflow_odoo.CallflowLiveBoard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.busService = useService("bus_service");
        this.state = useState({ data: null, now: Date.now() });
        this.onOperatorState = (payload) => this.applyState(payload);
        this.onOwnCall = () => this.reloadOwnLine();
        this.onPresence = (payload) => this.applyPresence(payload);
        this.busService.addChannel("callflow_board");
        this.busService.subscribe("callflow.operator/state", this.onOperatorState);
        this.busService.subscribe("callflow.call/state", this.onOwnCall);
        this.busService.subscribe("bus.bus/im_status_updated", this.onPresence);
        if (!this.busService.isActive) {
            this.busService.start();
        }
        this.ticker = setInterval(() => (this.state.now = Date.now()), 1000);
        this.refresher = setInterval(() => this.load(), REFRESH_MS);
        onWillStart(() => this.load());
        onWillUnmount(() => {
            clearInterval(this.ticker);
            clearInterval(this.refresher);
            this.busService.deleteChannel("callflow_board");
            this.busService.unsubscribe("callflow.operator/state", this.onOperatorState);
            this.busService.unsubscribe("callflow.call/state", this.onOwnCall);
            this.busService.unsubscribe("bus.bus/im_status_updated", this.onPresence);
        });
    }

    async load() {
        const data = await this.orm.call("callflow.live.board", "load", []);
        for (const line of data.operators) {
            this.busService.addChannel(`odoo-presence-res.partner_${line.partner_id}`);
        }
        this.state.data = data;
    }

    line(userId) {
        return this.state.data && this.state.data.operators.find((l) => l.user_id === userId);
    }

    /** A bus notification: patch the operator's line. */
    applyState(payload) {
        const data = this.state.data;
        if (!data || payload.company_id !== data.company_id) {
            return;
        }
        const line = this.line(payload.user_id);
        if (!line) {
            return;
        }
        Object.assign(line, {
            state: payload.state,
            since: payload.since,
            paused: payload.paused,
            call_id: payload.call_id,
            entry_id: payload.entry_id,
            entry_name: payload.entry_id === line.entry_id ? line.entry_name : "",
        });
        if (ACTIVE.includes(payload.state)) {
            line.im_status = "online";
        }
    }

    applyPresence(payload) {
        const data = this.state.data;
        const line = data && data.operators.find((l) => l.partner_id === payload.partner_id);
        if (line) {
            line.im_status = payload.im_status;
        }
    }

    /** An operator's own board: their call changed, read their line. */
    async reloadOwnLine() {
        const data = this.state.data;
        if (!data || data.is_manager || !data.operators.length) {
            return;
        }
        await this.load();
    }

    displayState(line) {
        if (line.im_status === "offline" && !ACTIVE.includes(line.state)) {
            return "offline";
        }
        return line.state;
    }

    stateLabel(line) {
        return {
            available: _t("Available"),
            ringing: _t("Ringing"),
            in_call: _t("In call"),
            wrap_up: _t("Wrap-up"),
            paused: _t("Paused"),
            offline: _t("Offline"),
        }[this.displayState(line)];
    }

    stateClass(line) {
        return {
            available: "text-bg-success",
            ringing: "text-bg-warning",
            in_call: "text-bg-primary",
            wrap_up: "text-bg-info",
            paused: "text-bg-secondary",
            offline: "text-bg-light",
        }[this.displayState(line)];
    }

    timer(line) {
        if (!line.since) {
            return "";
        }
        const since = deserializeDateTime(line.since).toMillis();
        return formatDuration((this.state.now - since) / 1000);
    }

    formatTalk(seconds) {
        return formatDuration(seconds);
    }

    formatTime(value) {
        return value ? formatDateTime(deserializeDateTime(value), { format: "HH:mm" }) : "";
    }

    progress(list) {
        return list.total ? Math.round((100 * list.done) / list.total) : 0;
    }

    inboundLabel(call) {
        return {
            ringing: _t("Waiting"),
            missed: _t("Missed"),
            voicemail: _t("Voicemail"),
        }[call.status];
    }

    canPause(line) {
        const data = this.state.data;
        return data.is_manager || data.operators.length === 1;
    }

    async togglePause(line) {
        const method = line.paused ? "action_resume" : "action_pause";
        const fresh = await this.orm.call("callflow.operator.state", method, [line.user_id]);
        if (fresh) {
            Object.assign(line, fresh);
        }
    }

    async reassign(callback, ev) {
        const userId = parseInt(ev.target.value);
        if (!userId || userId === callback.operator_id) {
            return;
        }
        await this.orm.call("callflow.live.board", "reassign_callback", [callback.id, userId]);
        this.notification.add(_t("Callback reassigned."), { type: "success" });
        await this.load();
    }
}

registry.category("actions").add("callflow_live_board", CallflowLiveBoard);
