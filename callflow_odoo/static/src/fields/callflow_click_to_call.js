import { _t } from "@web/core/l10n/translation";
import { session } from "@web/session";
import { useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { PhoneField } from "@web/views/fields/phone/phone_field";

/**
 * Click-to-call through the dial gate. With a voice provider set
 * (`callflow_odoo.voice_provider`, not "manual"), a click on a phone number of
 * any record asks the server first: the gate checks the contact
 * preferences, the company caps, the calling window and the caller ID, and
 * either refuses (a notification, no call) or lets the call go (placed by
 * the provider, else the `tel:` link). With Manual, nothing changes.
 */
export function callflowClickToCallEnabled() {
    const provider = session.callflow_voice_provider;
    return Boolean(provider) && provider !== "manual";
}

patch(PhoneField.prototype, {
    setup() {
        super.setup(...arguments);
        this.callflowOrm = useService("orm");
        this.callflowNotification = useService("notification");
    },

    async onClickCallflowPhone(ev) {
        if (!callflowClickToCallEnabled()) {
            return; // Manual: the tel: link as in plain Odoo
        }
        ev.preventDefault();
        ev.stopPropagation();
        const record = this.props.record;
        const number = record.data[this.props.name];
        const answer = await this.callflowOrm.call("callflow.dial.gate", "action_click_to_call", [
            record.resModel,
            record.resId || false,
            number,
        ]);
        if (!answer.allowed) {
            this.callflowNotification.add(answer.message, {
                title: _t("Call refused"),
                type: "warning",
            });
        } else if (answer.placed) {
            this.callflowNotification.add(_t("Calling %s: your phone rings first.", number), {
                type: "info",
            });
        } else if (answer.message) {
            // The provider did not place the call: say why, no tel: link.
            this.callflowNotification.add(answer.message, {
                title: _t("No call placed"),
                type: "warning",
            });
        } else {
            window.location.href = "tel:" + (answer.number || number).replace(/\s+/g, "");
        }
    },
});
