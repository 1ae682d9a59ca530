/** @odoo-module **/

import { useEffect, useState } from "@odoo/owl";
import { patch } from "@web/core/utils/patch";
import { SmsWidget } from "@sms/components/sms_widget/fields_sms_widget";
import { session } from "@web/session";

import { countSegments } from "./sms_segments";

// Beyond this many parts an SMS is costly and often cut by phones.
export const MAX_SEGMENTS = 3;

/**
 * Every SMS text field (composer, templates, marketing) counts like the
 * networks do: extension characters take two, Japanese is UCS-2, the
 * personal opt-out link counts at its real length; it also shows the
 * characters left in the last part and warns above three parts, live
 * while typing (Odoo's own count waits for the field to lose focus).
 */
patch(SmsWidget.prototype, {
    setup() {
        super.setup(...arguments);
        // What is typed, before the field commits it to the record.
        this.callflowLive = useState({ text: null });
        useEffect(
            (el) => {
                if (!el) {
                    return;
                }
                const onInput = () => {
                    this.callflowLive.text = el.value;
                };
                el.addEventListener("input", onInput);
                return () => el.removeEventListener("input", onInput);
            },
            () => [this.targetEditElement?.el]
        );
        useEffect(
            () => {
                this.callflowLive.text = null;
            },
            () => [this.props.record.data[this.props.name]]
        );
    },
    get callflowCount() {
        const text = this.callflowLive.text ?? this.props.record.data[this.props.name] ?? "";
        const value = this._getValueForSmsCounts(text);
        // The server's length of a personal link (ir.http session_info).
        return countSegments(value, session.callflow_optout_link_length || 0);
    },
    get encoding() {
        return this.callflowCount.encoding;
    },
    get nbrChar() {
        return this.callflowCount.chars;
    },
    get nbrSMS() {
        return this.callflowCount.segments;
    },
    get charsLeft() {
        return this.callflowCount.charsLeft;
    },
    get tooManySegments() {
        return this.callflowCount.segments > MAX_SEGMENTS;
    },
});
