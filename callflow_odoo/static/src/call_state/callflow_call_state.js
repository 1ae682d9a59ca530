import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { deserializeDateTime } from "@web/core/l10n/dates";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

const LIVE = ["queued", "initiated", "ringing", "in_progress"];

/** Seconds as mm:ss. */
export function formatTimer(seconds) {
    const s = Math.max(Math.floor(seconds || 0), 0);
    return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * The dialer's live call state (issue #13): calling you, ringing them, in
 * call with a running timer, ended with the talk time. The first state comes
 * from the server (callflow.voice.screen.dialer_state), then the bus
 * notifications "callflow.call/state" the voice service sends to the
 * operator's partner. Also the Hang up button and, in power mode, the
 * wrap-up countdown before the next call (pausable); the call itself is the
 * normal Call action, so the dial gate applies.
 */
export class CallflowCallState extends Component {
    static template = "callflow_odoo.CallflowCallState";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.busService = useService("bus_service");
        this.state = useState({
            call: null,
            now: Date.now(),
            countdown: null,
            paused: false,
        });
        this.onBusState = (payload) => this.applyState(payload);
        this.busService.subscribe("callflow.call/state", this.onBusState);
        if (!this.busService.isActive) {
            this.busService.start();
        }
        this.interval = setInterval(() => this.tick(), 1000);
        onWillStart(async () => {
            const first = await this.orm.call("callflow.voice.screen", "dialer_state", [
                this.props.record.resId,
            ]);
            this.state.call = first.call || null;
            const power = this.props.record.context.callflow_power_dial;
            if (power && first.power_mode && !first.call) {
                this.state.countdown = first.wrap_up_seconds;
            }
        });
        onWillUnmount(() => {
            clearInterval(this.interval);
            this.busService.unsubscribe("callflow.call/state", this.onBusState);
        });
    }

    applyState(payload) {
        if (payload.entry_id !== this.props.record.resId) {
            return;
        }
        const current = this.state.call;
        if (!current || payload.call_id >= current.call_id) {
            this.state.call = payload;
            this.state.countdown = null;
        }
    }

    tick() {
        this.state.now = Date.now();
        if (this.state.countdown === null || this.state.paused) {
            return;
        }
        if (this.state.countdown <= 1) {
            this.state.countdown = null;
            this.callNext();
        } else {
            this.state.countdown--;
        }
    }

    async callNext() {
        const result = await this.orm.call("callflow.list.entry", "action_voice_call", [
            [this.props.record.resId],
        ]);
        if (result) {
            await this.action.doAction(result);
        }
    }

    togglePause() {
        this.state.paused = !this.state.paused;
    }

    async hangUp() {
        const result = await this.orm.call("callflow.voice.screen", "action_hangup", [
            this.state.call.call_id,
        ]);
        if (result) {
            await this.action.doAction(result);
        }
    }

    get countdownLabel() {
        return _t("Next call in %s s", this.state.countdown);
    }

    get voiceState() {
        return this.state.call && this.state.call.voice_state;
    }

    get isLive() {
        return LIVE.includes(this.voiceState);
    }

    get label() {
        switch (this.voiceState) {
            case "queued":
            case "initiated":
                return _t("Calling you…");
            case "ringing":
                return _t("Ringing them…");
            case "in_progress":
                return _t("In call");
            case "completed":
                return _t("Ended");
            case "busy":
                return _t("Ended: busy");
            case "no_answer":
                return _t("Ended: no answer");
            case "failed":
                return _t("Ended: failed");
            case "canceled":
                return _t("Ended: canceled");
        }
        return "";
    }

    get timer() {
        const call = this.state.call;
        if (!call) {
            return "";
        }
        if (this.voiceState === "in_progress" && call.answer_date) {
            const answered = deserializeDateTime(call.answer_date).toMillis();
            return formatTimer((this.state.now - answered) / 1000);
        }
        if (!this.isLive && call.talk_seconds) {
            return formatTimer(call.talk_seconds);
        }
        return this.voiceState === "in_progress" ? formatTimer(0) : "";
    }
}

export const callflowCallState = { component: CallflowCallState };

registry.category("view_widgets").add("callflow_call_state", callflowCallState);
